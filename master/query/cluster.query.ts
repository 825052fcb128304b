import type {
  ClusterConfigData,
  InstanceConfig,
  NodeConfig,
} from '../cluster/cluster-config.types';
import type { Allocator } from '../exec/allocator';
import { fillBeparams, fillHvparams } from '../exec/opcodes/params';
import { cidrRange, intToIp, usedIps } from '../exec/opcodes/nic-alloc';
import type { NodeRegistry } from '../nodes/node.registry';
import { DEFAULT_GROUP } from '../cluster/cluster-config.store';

export const VERSION = '3.0.2';

/**
 * Ganeti's instance status from the admin state and what the node reports: running, ADMIN_down,
 * ADMIN_offline, ERROR_up, ERROR_down, ERROR_nodedown, ERROR_nodeoffline, USER_down.
 */
export function instanceStatus(
  inst: InstanceConfig,
  node: NodeConfig | undefined,
  nodes: NodeRegistry,
): { status: string; running: boolean | null; ram: number | null; vcpus: number | null } {
  if (!node || node.offline)
    return { status: 'ERROR_nodeoffline', running: null, ram: null, vcpus: null };
  const live = nodes.last(node.name);
  if (!live?.reachable) return { status: 'ERROR_nodedown', running: null, ram: null, vcpus: null };
  const dom = live.domains.get(inst.name);
  const running = Boolean(dom?.active);
  let status: string;
  if (running) status = inst.admin_state === 'up' ? 'running' : 'ERROR_up';
  else if (inst.admin_state === 'up') status = 'ERROR_down';
  else if (inst.admin_state === 'offline') status = 'ADMIN_offline';
  else status = inst.admin_state_source === 'user' ? 'USER_down' : 'ADMIN_down';
  return {
    status,
    running,
    ram: running ? dom!.memoryMiB : null,
    vcpus: running ? dom!.vcpus : null,
  };
}

export function instanceFields(
  c: Readonly<ClusterConfigData>,
  inst: InstanceConfig,
  nodes: NodeRegistry,
  livePort: number | null,
): Record<string, unknown> {
  const st = instanceStatus(inst, c.nodes[inst.pnode], nodes);
  const nets = inst.nics.map((n) =>
    n.network ? Object.values(c.networks).find((x) => x.uuid === n.network) : undefined,
  );
  const beparams = fillBeparams(c.cluster, inst.beparams);
  return {
    name: inst.name,
    admin_state: inst.admin_state,
    admin_state_source: inst.admin_state_source,
    os: inst.os,
    pnode: inst.pnode,
    snodes: [],
    disk_template: inst.disk_template,
    'nic.ips': inst.nics.map((n) => n.ip),
    'nic.macs': inst.nics.map((n) => n.mac),
    'nic.modes': inst.nics.map((n) => n.mode),
    'nic.uuids': inst.nics.map((n) => n.uuid),
    'nic.names': inst.nics.map((n) => n.name),
    'nic.links': inst.nics.map((n) => n.link),
    'nic.networks': inst.nics.map((n) => n.network),
    'nic.networks.names': nets.map((n) => n?.name ?? null),
    'nic.bridges': inst.nics.map((n) => (n.mode === 'bridged' ? n.link : null)),
    network_port: livePort ?? inst.network_port,
    'disk.sizes': inst.disks.map((d) => d.size),
    'disk.spindles': inst.disks.map(() => null),
    disk_usage: inst.disks.reduce((s, d) => s + d.size, 0),
    'disk.uuids': inst.disks.map((d) => d.uuid),
    'disk.names': inst.disks.map((d) => d.name),
    beparams: { ...beparams, memory: beparams.maxmem },
    hvparams: fillHvparams(c.cluster, inst.hvparams),
    oper_state: st.running,
    oper_ram: st.ram,
    oper_vcpus: st.vcpus,
    status: st.status,
    custom_hvparams: inst.hvparams,
    custom_beparams: inst.beparams,
    custom_nicparams: inst.nics.map((n) => ({ mode: n.mode, link: n.link, vlan: n.vlan })),
    osparams: inst.osparams,
    ctime: inst.ctime,
    mtime: inst.mtime,
    uuid: inst.uuid,
    serial_no: inst.serial_no,
    tags: inst.tags,
  };
}

export function nodeFields(
  c: Readonly<ClusterConfigData>,
  node: NodeConfig,
  nodes: NodeRegistry,
  allocator: Allocator,
): Record<string, unknown> {
  const cap = allocator.capacity(c, node);
  const live = nodes.last(node.name);
  const up = !node.offline && Boolean(live?.reachable);
  const pinst = Object.values(c.instances)
    .filter((i) => i.pnode === node.name)
    .map((i) => i.name)
    .sort();
  const role =
    node.name === c.cluster.master_node
      ? 'M'
      : node.offline
        ? 'O'
        : node.drained
          ? 'D'
          : node.master_candidate
            ? 'C'
            : 'R';
  return {
    name: node.name,
    offline: node.offline,
    master_candidate: node.master_candidate,
    drained: node.drained,
    dtotal: up ? cap.dtotal : null,
    dfree: up ? cap.dfree : null,
    sptotal: null,
    spfree: null,
    mtotal: up ? cap.mtotal : null,
    mnode: up ? 0 : null,
    mfree: up ? cap.mfree : null,
    pinst_cnt: pinst.length,
    sinst_cnt: 0,
    ctotal: up ? cap.ctotal : null,
    cnos: up ? 1 : null,
    cnodes: up ? 1 : null,
    csockets: up ? 1 : null,
    pip: node.primary_ip,
    sip: node.primary_ip,
    role,
    pinst_list: pinst,
    sinst_list: [],
    master_capable: node.master_capable,
    vm_capable: node.vm_capable,
    ndparams: node.ndparams,
    'group.uuid': node.group,
    libvirt_uri: node.uri,
    reachable: up,
    ctime: node.ctime,
    mtime: node.mtime,
    uuid: node.uuid,
    serial_no: node.serial_no,
    tags: node.tags,
  };
}

export function groupFields(c: Readonly<ClusterConfigData>, name: string): Record<string, unknown> {
  const g = c.groups[name];
  const members = Object.values(c.nodes)
    .filter((n) => n.group === g.uuid)
    .map((n) => n.name)
    .sort();
  return {
    name: g.name,
    alloc_policy: g.alloc_policy,
    node_cnt: members.length,
    node_list: members,
    ipolicy: g.ipolicy,
    custom_ipolicy: g.ipolicy,
    diskparams: g.diskparams,
    custom_diskparams: g.diskparams,
    ndparams: g.ndparams,
    custom_ndparams: g.ndparams,
    networks: Object.entries(g.networks).map(([uuid, p]) => [
      Object.values(c.networks).find((n) => n.uuid === uuid)?.name ?? uuid,
      p.mode,
      p.link,
      p.vlan,
    ]),
    ctime: g.ctime,
    mtime: g.mtime,
    uuid: g.uuid,
    serial_no: g.serial_no,
    tags: g.tags,
  };
}

export function networkFields(
  c: Readonly<ClusterConfigData>,
  name: string,
): Record<string, unknown> {
  const net = c.networks[name];
  const { first, last, size } = cidrRange(net.network);
  const used = usedIps(c, net);
  let map = '';
  for (let n = first; n <= last && map.length < 65536; n++) {
    map += n === first || n === last || used.has(intToIp(n)) ? 'X' : '.';
  }
  const reserved = [...used].length + 2;
  const instances = Object.values(c.instances)
    .filter((i) => i.nics.some((x) => x.network === net.uuid))
    .map((i) => i.name)
    .sort();
  const groups = Object.values(c.groups)
    .filter((g) => g.networks[net.uuid])
    .map((g) => [
      g.name,
      g.networks[net.uuid].mode,
      g.networks[net.uuid].link,
      g.networks[net.uuid].vlan,
    ]);
  return {
    name: net.name,
    network: net.network,
    gateway: net.gateway,
    network6: net.network6,
    gateway6: net.gateway6,
    mac_prefix: net.mac_prefix,
    free_count: Math.max(0, size - reserved),
    reserved_count: reserved,
    map,
    group_list: groups,
    group_cnt: groups.length,
    inst_list: instances,
    inst_cnt: instances.length,
    external_reservations: net.external_reservations.join(', '),
    ctime: net.ctime,
    mtime: net.mtime,
    uuid: net.uuid,
    serial_no: net.serial_no,
    tags: net.tags,
  };
}

export function clusterInfo(
  c: Readonly<ClusterConfigData>,
  hypervisor: string,
): Record<string, unknown> {
  const cl = c.cluster;
  return {
    name: cl.name,
    master: cl.master_node,
    software_version: VERSION,
    protocol_version: 2200000,
    config_version: 3000000,
    os_api_version: 20,
    export_version: 0,
    vcs_version: 'nefos',
    architecture: ['64bit', process.arch === 'x64' ? 'x86_64' : process.arch],
    default_hypervisor: hypervisor,
    enabled_hypervisors: cl.enabled_hypervisors,
    enabled_disk_templates: cl.enabled_disk_templates,
    hvparams: { [hypervisor]: fillHvparams(cl, {}) },
    os_hvp: {},
    beparams: { default: fillBeparams(cl, {}) },
    osparams: {},
    ipolicy: {},
    nicparams: { default: cl.nicparams },
    ndparams: {},
    diskparams: {},
    candidate_pool_size: 10,
    master_netdev: '',
    master_netmask: 32,
    use_external_mip_script: false,
    volume_group_name: null,
    drbd_usermode_helper: null,
    file_storage_dir: '',
    shared_file_storage_dir: '',
    maintain_node_health: false,
    ctime: cl.ctime,
    mtime: cl.mtime,
    uuid: cl.uuid,
    tags: cl.tags,
    uid_pool: [],
    default_iallocator: 'nefos-allocator',
    default_iallocator_params: {},
    reserved_lvs: [],
    primary_ip_version: 4,
    prealloc_wipe_disks: false,
    hidden_os: [],
    blacklisted_os: [],
    enabled_user_shutdown: cl.enabled_user_shutdown,
    mac_prefix: cl.mac_prefix,
    default_group: DEFAULT_GROUP,
  };
}
