#!/bin/bash
# Runs as pid 1 of the private namespaces (net, UTS, mount, pid) of the e2e test's one-node Ganeti
# cluster. The host side (ganeti-cluster.ts) talks to it over stdin/stdout:
#   we print "ready"        the namespaces exist; the host moves the veth end "$veth" in
#   host sends a line       the veth is here: configure it, init the cluster
#   we print "up"           every Ganeti daemon runs
#   host sends "stop"/EOF   stop the daemons (daemon-util stop-all, then by their pid files)
#   we print "stopped"      and exit; the kernel ends anything left in the pid namespace with us
# A closed stdin (the test process died) stops the cluster the same way.
set -euo pipefail

root=$1 node=$2 node_ip=$3 cluster=$4 bridge=$5 veth=$6 prefix=$7

# Ganeti's directories from the test's temp dir; /run and /srv get a private tmpfs first so that
# their mount points are not created on the host.
mount -t sysfs sysfs /sys # this netns's interfaces, or Ganeti reports the bridge missing
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=0755 tmpfs /srv
mkdir -p /run/ganeti /srv/ganeti
mkdir -m 1777 /run/lock # /var/lock: Ganeti's ssconf lock
for d in /etc/ganeti /var/lib/ganeti /var/log/ganeti /run/ganeti /srv/ganeti; do
  mount --bind "$root$d" "$d"
done
mount --bind "$root/etc/hosts" /etc/hosts
mount --bind "$root/etc/default/ganeti" /etc/default/ganeti
hostname "$node"
ip link set lo up
ip link add "$bridge" type bridge
ip link set "$bridge" up

echo ready
read -r _ || exit 0
ip addr add "$node_ip/$prefix" dev "$veth"
ip link set "$veth" up

stop() {
  /usr/lib/ganeti/daemon-util stop-all >&2 || true
  for f in /run/ganeti/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  echo stopped
}
trap stop EXIT

# One node cannot hold an N+1 spare: without this hail refuses every placement (FailN1).
gnt-cluster init --no-ssh-init --no-etc-hosts --enabled-hypervisors=fake \
  --enabled-disk-templates=diskless,file --file-storage-dir=/srv/ganeti/file-storage \
  --master-netdev="$bridge" -N link="$bridge" \
  --default-iallocator-params=-no-capacity-checks "$cluster" >&2
echo up

while read -r line; do
  [ "$line" = stop ] && break
done
