import {
  OperState,
  requestIdFromReason,
  type DiskInfo,
  type NicInfo,
  type OpEvent,
  type OpStatus,
  type RapiInstance,
  type RapiJob,
} from '@nefos/contracts';

/** Job statuses in which a job may still change an instance. */
export const ACTIVE_JOB_STATUSES: readonly string[] = ['queued', 'waiting', 'running', 'canceling'];

/** Ganeti instance status -> Nefos state; null where the backend cannot tell (node down). */
export function backendState(
  inst: Pick<RapiInstance, 'status' | 'oper_state'>,
): `${OperState}` | null {
  switch (inst.status) {
    case 'running':
    case 'ERROR_up':
    case 'ERROR_wrongnode':
      return OperState.Started;
    case 'ADMIN_down':
    case 'ADMIN_offline':
    case 'USER_down':
    case 'ERROR_down':
      return OperState.Stopped;
    case 'ERROR_nodedown':
    case 'ERROR_nodeoffline':
      return null;
    default:
      return inst.oper_state ? OperState.Started : OperState.Stopped;
  }
}

function at<T>(list: unknown, i: number): T | null {
  return Array.isArray(list) && i < list.length ? ((list[i] as T) ?? null) : null;
}

/** What reconciliation compares and copies from one instance of `GET /2/instances?bulk=1`. */
export function instanceFacts(inst: RapiInstance): {
  state: `${OperState}` | null;
  nics: NicInfo[];
  disks: DiskInfo[];
  beparams: Record<string, unknown>;
  pnode?: string;
} {
  const raw = inst as unknown as Record<string, unknown>;
  const macs = Array.isArray(raw['nic.macs']) ? (raw['nic.macs'] as unknown[]) : [];
  const sizes = Array.isArray(raw['disk.sizes']) ? (raw['disk.sizes'] as unknown[]) : [];
  return {
    state: backendState(inst),
    nics: macs.map((mac, i) => ({
      index: i,
      mac: typeof mac === 'string' ? mac.toLowerCase() : null,
      ip: at<string>(raw['nic.ips'], i),
      network: at<string>(raw['nic.networks'], i),
      networkName: at<string>(raw['nic.networks.names'], i),
      name: at<string>(raw['nic.names'], i),
      uuid: at<string>(raw['nic.uuids'], i),
    })),
    disks: sizes.map((size, i) => ({ index: i, size: typeof size === 'number' ? size : 0 })),
    beparams: (inst.beparams ?? {}) as Record<string, unknown>,
    pnode: typeof inst.pnode === 'string' ? inst.pnode : undefined,
  };
}

/** The final op events of a finished job read through RAPI (`GET /2/jobs/<id>`). */
export function jobOpEvents(cluster: string, job: RapiJob): OpEvent[] {
  const ops = job.ops ?? [];
  const out: OpEvent[] = [];
  ops.forEach((input, i) => {
    const opId = (input as Record<string, unknown>).OP_ID;
    const instance = (input as Record<string, unknown>).instance_name;
    const status = job.opstatus?.[i] ?? job.status;
    if (typeof opId !== 'string' || typeof instance !== 'string' || !status) return;
    const log = job.oplog?.[i] ?? [];
    const last = log.length ? log[log.length - 1][3] : '';
    out.push({
      type: 'op',
      cluster,
      jobId: job.id ?? 0,
      opIndex: i,
      operation: opId,
      status: status as OpStatus,
      eventTime: job.end_ts ??
        job.start_ts ??
        job.received_ts ?? [Math.floor(Date.now() / 1000), 0],
      logmsg: typeof last === 'string' ? last : JSON.stringify(last),
      result: job.opresult?.[i] ?? null,
      requestId: requestIdFromReason((input as Record<string, unknown>).reason),
      instance,
      jobFields: Object.fromEntries(
        Object.entries(input as Record<string, unknown>).filter(
          ([k]) => !['OP_ID', 'reason', 'osparams'].includes(k),
        ),
      ),
    });
  });
  return out;
}
