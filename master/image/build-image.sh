#!/usr/bin/env bash
# Builds the seeded guest image `nefos-tiny` into an image-store entry:
#   <dest>/vmlinuz     the Debian cloud kernel (the one linux-image-cloud-amd64 depends on)
#   <dest>/initrd.img  a busybox-static initramfs whose /init prints NEFOS_TINY_READY on the serial
#                      console, offers a shell on tty1 (the VNC screen) and powers off on the ACPI
#                      power button (so a libvirt/ACPI shutdown is clean)
#   <dest>/image.json  what was built, from which packages
# Usage: build-image.sh <dest-dir>. Everything comes from Debian packages: nothing is committed.
set -euo pipefail

dest=${1:?usage: build-image.sh <dest-dir>}
busybox=${NEFOS_BUSYBOX:-/bin/busybox}
for tool in apt-get dpkg-deb cpio gzip find; do
  command -v "$tool" >/dev/null || { echo "build-image: $tool is missing" >&2; exit 1; }
done
# Not `busybox --list | grep -q`: busybox writes each name with its own write() and dies of
# SIGPIPE once grep has its match, which pipefail reports as a failure (about 1 run in 15).
applets=$([ -x "$busybox" ] && "$busybox" --list || true)
grep -qx acpid <<<"$applets" || {
  echo "build-image: $busybox is not a static busybox with acpid (apt-get install busybox-static)" >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/nefos-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

download() {
  # A machine whose package lists are missing or stale needs one `apt-get update` first.
  if ! apt-get download -q "$1" >/dev/null 2>"$work/apt.err"; then
    if [ "$(id -u)" -eq 0 ]; then
      apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null
      apt-get download -q "$1" >/dev/null
    else
      cat "$work/apt.err" >&2
      exit 1
    fi
  fi
}

download linux-image-cloud-amd64
meta=$(ls linux-image-cloud-amd64_*.deb)
kpkg=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | sed -n 1p)
[ -n "$kpkg" ] || { echo "build-image: cannot tell which kernel $meta depends on" >&2; exit 1; }
download "$kpkg"
kdeb=$(ls "${kpkg}"_*.deb)
dpkg-deb -x "$kdeb" kernel

vmlinuz=$(ls kernel/boot/vmlinuz-* | sed -n 1p)
kver=${vmlinuz##*/vmlinuz-}
moddir=kernel/lib/modules/$kver/kernel

root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,etc/acpi/PWRF,lib/modules,tmp}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
# The ACPI power button reaches user space as an input event (button -> evdev); the modules may
# be compressed in newer kernels, and busybox's insmod wants them plain.
for m in drivers/acpi/button drivers/input/evdev; do
  for ext in ko ko.xz ko.zst; do
    f=$moddir/$m.$ext
    [ -f "$f" ] || continue
    case $ext in
      ko) cp "$f" "$root/lib/modules/" ;;
      ko.xz) "$busybox" xzcat "$f" >"$root/lib/modules/$(basename "$m").ko" ;;
      ko.zst) zstd -dq "$f" -o "$root/lib/modules/$(basename "$m").ko" ;;
    esac
  done
done

cat >"$root/etc/acpi/PWRF/00000080" <<'SH'
#!/bin/sh
echo "NEFOS_TINY_POWEROFF" >/dev/ttyS0
sync
poweroff -f
SH
chmod 755 "$root/etc/acpi/PWRF/00000080"

cat >"$root/init" <<'SH'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in /lib/modules/*.ko; do [ -f "$m" ] && insmod "$m" 2>/dev/null; done
hostname nefos-tiny
acpid -c /etc/acpi -l /tmp/acpid.log
echo "NEFOS_TINY_READY kernel $(uname -r)" >/dev/ttyS0
echo "NEFOS_TINY_READY kernel $(uname -r)" >/dev/tty1 2>/dev/null
# A shell on the VGA console, which is what the VNC console shows.
while true; do setsid sh -c 'exec sh </dev/tty1 >/dev/tty1 2>&1' ; sleep 1; done &
while true; do sleep 3600; done
SH
chmod 755 "$root/init"

mkdir -p "$dest.tmp"
cp "$vmlinuz" "$dest.tmp/vmlinuz"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) >"$dest.tmp/initrd.img"
cat >"$dest.tmp/image.json" <<JSON
{"name": "nefos-tiny", "kind": "kernel", "kernel_package": "$kdeb", "kernel_version": "$kver",
 "cmdline": "console=tty0 console=ttyS0", "ready_line": "NEFOS_TINY_READY"}
JSON
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "build-image: built $dest from $kdeb"
