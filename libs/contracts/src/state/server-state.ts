/** Internal operational state of a server, as the dispatcher records it. DESIGN.md §5-§6. */
export enum OperState {
  Build = 'BUILD',
  Started = 'STARTED',
  Stopped = 'STOPPED',
  Error = 'ERROR',
  Destroyed = 'DESTROYED',
}

/** Pending task of a server (Nova's task_state values). */
export enum ServerTask {
  Spawning = 'spawning',
  Rebooting = 'rebooting',
  RebootingHard = 'rebooting_hard',
  PoweringOff = 'powering-off',
  PoweringOn = 'powering-on',
  Deleting = 'deleting',
  ResizePrep = 'resize_prep',
  ResizeFinish = 'resize_finish',
  ResizeReverting = 'resize_reverting',
  ResizeConfirming = 'resize_confirming',
  Rebuilding = 'rebuilding',
  UpdatingPassword = 'updating_password',
}

/** Ganeti opcode ids the dispatcher understands. DESIGN.md §3. */
export enum OpCode {
  InstanceCreate = 'OP_INSTANCE_CREATE',
  InstanceRemove = 'OP_INSTANCE_REMOVE',
  InstanceStartup = 'OP_INSTANCE_STARTUP',
  InstanceShutdown = 'OP_INSTANCE_SHUTDOWN',
  InstanceReboot = 'OP_INSTANCE_REBOOT',
  InstanceSetParams = 'OP_INSTANCE_SET_PARAMS',
  InstanceReinstall = 'OP_INSTANCE_REINSTALL',
  InstanceQueryData = 'OP_INSTANCE_QUERY_DATA',
  NetworkAdd = 'OP_NETWORK_ADD',
  NetworkConnect = 'OP_NETWORK_CONNECT',
  NetworkDisconnect = 'OP_NETWORK_DISCONNECT',
  NetworkRemove = 'OP_NETWORK_REMOVE',
  TestDelay = 'OP_TEST_DELAY',
  NodeSetParams = 'OP_NODE_SET_PARAMS',
}

/** Operational state an opcode leaves behind when it succeeds. */
export const OPCODE_SUCCESS_STATE: Partial<Record<string, OperState>> = {
  [OpCode.InstanceCreate]: OperState.Started,
  [OpCode.InstanceStartup]: OperState.Started,
  [OpCode.InstanceReboot]: OperState.Started,
  [OpCode.InstanceShutdown]: OperState.Stopped,
  [OpCode.InstanceRemove]: OperState.Destroyed,
};

export type OpenStackStatus =
  | 'BUILD'
  | 'ACTIVE'
  | 'SHUTOFF'
  | 'ERROR'
  | 'DELETED'
  | 'REBOOT'
  | 'HARD_REBOOT'
  | 'RESIZE'
  | 'VERIFY_RESIZE'
  | 'REVERT_RESIZE'
  | 'REBUILD'
  | 'PASSWORD';

export enum PowerState {
  NoState = 0,
  Running = 1,
  Paused = 3,
  Shutdown = 4,
  Crashed = 6,
  Suspended = 7,
}

export interface ServerStateView {
  status: OpenStackStatus;
  vmState: 'building' | 'active' | 'stopped' | 'error' | 'deleted' | 'resized';
  taskState: string | null;
  powerState: PowerState;
}

/** Maps the stored state to what the OpenStack API shows. */
export function viewServerState(s: {
  operstate: OperState | `${OperState}`;
  task: string | null;
  deleted: boolean;
  /** A resize waiting for confirm/revert. */
  resizePending?: boolean;
}): ServerStateView {
  if (s.deleted || s.operstate === OperState.Destroyed) {
    return {
      status: 'DELETED',
      vmState: 'deleted',
      taskState: null,
      powerState: PowerState.NoState,
    };
  }
  const base: Record<`${OperState}`, Omit<ServerStateView, 'taskState'>> = {
    BUILD: { status: 'BUILD', vmState: 'building', powerState: PowerState.NoState },
    STARTED: { status: 'ACTIVE', vmState: 'active', powerState: PowerState.Running },
    STOPPED: { status: 'SHUTOFF', vmState: 'stopped', powerState: PowerState.Shutdown },
    ERROR: { status: 'ERROR', vmState: 'error', powerState: PowerState.NoState },
    DESTROYED: { status: 'DELETED', vmState: 'deleted', powerState: PowerState.NoState },
  };
  const view: ServerStateView = { ...base[s.operstate as `${OperState}`], taskState: s.task };
  if (s.resizePending && s.operstate !== OperState.Error && !s.task) {
    return { ...view, status: 'VERIFY_RESIZE', vmState: 'resized' };
  }
  if (s.operstate === OperState.Error) return view;
  switch (s.task) {
    case ServerTask.Rebooting:
      return { ...view, status: 'REBOOT' };
    case ServerTask.RebootingHard:
      return { ...view, status: 'HARD_REBOOT' };
    case ServerTask.ResizePrep:
    case ServerTask.ResizeFinish:
      return { ...view, status: 'RESIZE' };
    case ServerTask.ResizeReverting:
      return { ...view, status: 'REVERT_RESIZE' };
    case ServerTask.Rebuilding:
      return { ...view, status: 'REBUILD' };
    case ServerTask.UpdatingPassword:
      return { ...view, status: 'PASSWORD' };
    default:
      return view;
  }
}

/** Backend instance name of a server. DESIGN.md §6. */
export function instanceName(prefix: string, serverId: string): string {
  return `${prefix}${serverId}`;
}

/** The server id inside a backend instance name, or null for foreign names. */
export function serverIdFromInstanceName(prefix: string, name: string): string | null {
  if (!name.startsWith(prefix)) return null;
  const id = name.slice(prefix.length);
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? id : null;
}
