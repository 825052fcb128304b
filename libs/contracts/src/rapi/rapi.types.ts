import type { GanetiTimestamp, OpStatus } from '../events/event.schemas';

/** Ganeti RAPI v2 shapes (DESIGN.md §2). Only the fields Nefos reads are typed strictly. */
export type RapiJobId = number;

export interface RapiInstance {
  name: string;
  admin_state: 'up' | 'down' | 'offline';
  oper_state: boolean;
  oper_ram: number | null;
  oper_vcpus: number | null;
  status: string;
  os: string;
  pnode: string;
  snodes: string[];
  disk_template: string;
  'nic.ips': Array<string | null>;
  'nic.macs': string[];
  'nic.modes': string[];
  'nic.links': string[];
  'nic.uuids': string[];
  'nic.names': Array<string | null>;
  'nic.networks': Array<string | null>;
  'nic.networks.names': Array<string | null>;
  network_port: number | null;
  'disk.sizes': number[];
  disk_usage: number;
  beparams: Record<string, unknown>;
  hvparams: Record<string, unknown>;
  custom_beparams?: Record<string, unknown>;
  custom_hvparams?: Record<string, unknown>;
  custom_nicparams?: Array<Record<string, unknown>>;
  ctime: number;
  mtime: number;
  uuid: string;
  serial_no: number;
  tags: string[];
}

export interface RapiNode {
  name: string;
  offline: boolean;
  drained: boolean;
  master_candidate: boolean;
  mtotal: number | null;
  mfree: number | null;
  dtotal: number | null;
  dfree: number | null;
  ctotal: number | null;
  pinst_cnt: number;
  sinst_cnt: number;
  pinst_list: string[];
  role: string;
  'group.uuid'?: string;
  [k: string]: unknown;
}

export interface RapiJob {
  id: RapiJobId | null;
  ops: Array<Record<string, unknown>> | null;
  status: OpStatus | null;
  summary: string[] | null;
  opstatus: OpStatus[] | null;
  opresult: unknown[] | null;
  oplog: Array<Array<[number, GanetiTimestamp, string, unknown]>> | null;
  received_ts: GanetiTimestamp | null;
  start_ts: GanetiTimestamp | null;
  end_ts: GanetiTimestamp | null;
}

export interface RapiConsole {
  instance: string;
  kind: 'vnc' | string;
  host: string;
  port: number;
  display?: number;
  [k: string]: unknown;
}

export interface RapiNicSpec {
  network?: string;
  ip?: string;
  mac?: string;
  name?: string;
  mode?: string;
  link?: string;
}

export interface RapiInstanceCreate {
  __version__?: 1;
  name: string;
  mode?: 'create';
  os?: string;
  disk_template: string;
  disks: Array<{ size: number; name?: string; mode?: string }>;
  nics: RapiNicSpec[];
  beparams?: { vcpus?: number; maxmem?: number; minmem?: number; [k: string]: unknown };
  hvparams?: Record<string, unknown>;
  osparams?: Record<string, unknown>;
  pnode?: string;
  iallocator?: string;
  start?: boolean;
  tags?: string[];
  name_check?: boolean;
  ip_check?: boolean;
  conflicts_check?: boolean;
  wait_for_sync?: boolean;
}

/** `PUT /2/instances/[i]/modify`: Ganeti's container modifications, e.g. `[["add", -1, {...}]]`. */
export interface RapiInstanceModify {
  beparams?: Record<string, unknown>;
  hvparams?: Record<string, unknown>;
  osparams?: Record<string, unknown>;
  nics?: Array<[string | number, number | string, Record<string, unknown>]>;
  disks?: Array<[string | number, number | string, Record<string, unknown>]>;
  os_name?: string;
}

export interface RapiWriteOptions {
  /** Carried into the job's reason trail: the API request id goes here. */
  reason?: string;
  dryRun?: boolean;
}

export interface RapiJobWaitResult {
  job_info: unknown[];
  log_entries: Array<[number, GanetiTimestamp, string, unknown]>;
}
