/** The master's own state on disk (Ganeti's config.data, reduced to what Nefos runs). */

export type AdminState = 'up' | 'down' | 'offline';
export type DiskTemplate = 'file' | 'diskless';
export type NicMode = 'bridged' | 'routed' | 'openvswitch';

interface Stamped {
  uuid: string;
  ctime: number;
  mtime: number;
  serial_no: number;
  tags: string[];
}

export interface NodeConfig extends Stamped {
  name: string;
  /** libvirt connection URI (`qemu:///system`, `qemu+ssh://host/system`, `test:///abs/node.xml`). */
  uri: string;
  /** Address guests' VNC servers listen on and that the console proxy connects to. */
  primary_ip: string;
  group: string;
  offline: boolean;
  drained: boolean;
  master_candidate: boolean;
  master_capable: boolean;
  vm_capable: boolean;
  ndparams: Record<string, unknown>;
  /** The default node the master made for itself (follows NEFOS_HYPERVISOR). */
  local?: boolean;
}

export interface GroupConfig extends Stamped {
  name: string;
  alloc_policy: 'preferred' | 'last_resort' | 'unallocable';
  ndparams: Record<string, unknown>;
  ipolicy: Record<string, unknown>;
  diskparams: Record<string, unknown>;
  /** network uuid -> NIC parameters on this group. */
  networks: Record<string, { mode: NicMode; link: string; vlan: string }>;
}

export interface NetworkConfig extends Stamped {
  name: string;
  network: string;
  gateway: string | null;
  network6: string | null;
  gateway6: string | null;
  mac_prefix: string | null;
  /** Addresses reserved outside instances (gateway, operator reservations). */
  external_reservations: string[];
}

export interface NicConfig {
  uuid: string;
  name: string | null;
  mac: string;
  ip: string | null;
  mode: NicMode;
  link: string;
  vlan: string;
  network: string | null;
}

export interface DiskConfig {
  uuid: string;
  name: string | null;
  size: number;
  mode: 'rw' | 'ro';
  /** Absolute path of the disk file on the node (template `file`). */
  path: string;
}

export type ImageKind = 'kernel' | 'qcow2' | 'raw';

export interface InstanceConfig extends Stamped {
  name: string;
  pnode: string;
  os: string;
  hypervisor: string;
  disk_template: DiskTemplate;
  admin_state: AdminState;
  /** Who put the admin state down: a user request or the guest itself (Ganeti's USER_down). */
  admin_state_source: 'admin' | 'user';
  beparams: Record<string, unknown>;
  hvparams: Record<string, unknown>;
  osparams: Record<string, unknown>;
  nics: NicConfig[];
  disks: DiskConfig[];
  network_port: number | null;
  image: { id: string; kind: ImageKind; dir: string } | null;
}

export interface ClusterSettings extends Stamped {
  name: string;
  master_node: string;
  hypervisor: string;
  enabled_hypervisors: string[];
  enabled_disk_templates: DiskTemplate[];
  beparams: Record<string, unknown>;
  nicparams: Record<string, unknown>;
  hvparams: Record<string, unknown>;
  mac_prefix: string;
  /** A guest that powers itself off is `USER_down` (and its admin state follows) when true. */
  enabled_user_shutdown: boolean;
}

export interface ClusterConfigData {
  version: 1;
  cluster: ClusterSettings;
  nodes: Record<string, NodeConfig>;
  groups: Record<string, GroupConfig>;
  networks: Record<string, NetworkConfig>;
  instances: Record<string, InstanceConfig>;
  /**
   * Results of opcodes whose effect is in this file, keyed `<job>/<op>`, written in the same
   * atomic replace as the effect. After a crash they tell a finished op from an interrupted one.
   */
  committed: Record<string, unknown>;
}
