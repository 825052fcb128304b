import {
  HEARTBEAT_KIND,
  OpCode,
  heartbeatIdFromTag,
  requestIdFromReason,
  type EventMessageInput,
  type GanetiTimestamp,
  type OpStatus,
} from '@nefos/contracts';
import { lastLogMessage, type JobFile, type JobFileOp } from './job-file.parser';

/** One message to publish, and whether the instance must be read back through RAPI first. */
export interface PendingEvent {
  message: EventMessageInput;
  readback: boolean;
}

/** Successful opcodes after which the instance's NICs, disks and params are read back (§4). */
const READBACK_OPS = new Set<string>([
  OpCode.InstanceCreate,
  OpCode.InstanceStartup,
  OpCode.InstanceSetParams,
  OpCode.InstanceReinstall,
]);

// Op input keys that are not job facts, or may hold secrets (snf-image passwords in osparams).
const DROPPED_INPUT = new Set([
  'OP_ID',
  'reason',
  'comment',
  'debug_level',
  'priority',
  'depends',
  'osparams',
  'osparams_private',
  'osparams_secret',
]);

/** Opcodes that only read; they change nothing the dispatcher keeps. */
export function isReadOnlyOp(opId: string): boolean {
  return (
    opId.includes('_QUERY') ||
    opId.startsWith('OP_TEST_') ||
    opId.startsWith('OP_CLUSTER_VERIFY') ||
    opId === 'OP_OS_DIAGNOSE' ||
    opId === 'OP_INSTANCE_CONSOLE' ||
    opId === 'OP_BACKUP_QUERY'
  );
}

/** The backend's own timestamp of an op's current status. */
export function statusTime(
  job: JobFile,
  op: JobFileOp,
  fallback: GanetiTimestamp,
): GanetiTimestamp {
  const candidates: Array<GanetiTimestamp | null | undefined> =
    op.status === 'queued'
      ? [job.received_timestamp]
      : op.status === 'waiting'
        ? [op.start_timestamp, job.received_timestamp]
        : op.status === 'running'
          ? [op.exec_timestamp, op.start_timestamp, job.start_timestamp]
          : [op.end_timestamp, job.end_timestamp, op.exec_timestamp, op.start_timestamp];
  for (const c of [...candidates, job.received_timestamp]) if (c) return c;
  return fallback;
}

function jobFields(op: JobFileOp): Record<string, unknown> {
  return Object.fromEntries(Object.entries(op.input).filter(([k]) => !DROPPED_INPUT.has(k)));
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * The messages for one op in its current status, or null when the op is nothing the dispatcher
 * acts on (queries, dry runs other than the heartbeat, ops without an object name).
 */
export function buildOpEvent(
  cluster: string,
  job: JobFile,
  opIndex: number,
  fallbackTime: GanetiTimestamp,
): PendingEvent | null {
  const op = job.ops[opIndex];
  const opId = op.input.OP_ID;
  if (isReadOnlyOp(opId)) return null;
  const input = op.input as Record<string, unknown>;
  const common = {
    cluster,
    jobId: job.id,
    opIndex,
    operation: opId,
    status: op.status as OpStatus,
    eventTime: statusTime(job, op, fallbackTime),
    logmsg: lastLogMessage(op),
    result: op.result ?? null,
    requestId: requestIdFromReason(input.reason),
  };

  if (opId === 'OP_TAGS_SET' || opId === 'OP_TAGS_DEL') {
    const tags = Array.isArray(input.tags) ? input.tags : [];
    const heartbeatId = tags.map(heartbeatIdFromTag).find((id) => id !== null);
    if (heartbeatId && (input.kind === 'cluster' || input.kind === undefined)) {
      return {
        message: {
          type: 'cluster',
          ...common,
          kind: HEARTBEAT_KIND,
          heartbeatId,
          jobFields: jobFields(op),
        },
        readback: false,
      };
    }
    return null; // tag changes are not state the dispatcher keeps
  }
  if (input.dry_run === true) return null;

  if (opId.startsWith('OP_INSTANCE_')) {
    const instance = str(input.instance_name);
    if (!instance) return null;
    return {
      message: { type: 'op', ...common, instance, jobFields: jobFields(op) },
      readback: op.status === 'success' && READBACK_OPS.has(opId),
    };
  }
  if (opId.startsWith('OP_NETWORK_')) {
    const network = str(input.network_name);
    if (!network) return null;
    return {
      message: { type: 'network', ...common, network, jobFields: jobFields(op) },
      readback: false,
    };
  }
  if (/^OP_(CLUSTER|NODE|GROUP)_/.test(opId)) {
    const kind = opId.replace(/^OP_/, '').toLowerCase().replace(/_/g, '-');
    return {
      message: { type: 'cluster', ...common, kind, jobFields: jobFields(op) },
      readback: false,
    };
  }
  return null;
}

const PERCENT = /(?:^|\D)(\d{1,3}(?:\.\d+)?)\s?%/;

/**
 * Build progress of a running create, when the backend reports one in the op log: a `progress`
 * entry (`{"progress": n}`), or a message with a percentage (an OS script copying the image).
 */
export function buildProgress(
  cluster: string,
  job: JobFile,
  opIndex: number,
  fallback: GanetiTimestamp,
): { message: EventMessageInput; progress: number } | null {
  const op = job.ops[opIndex];
  if (op.input.OP_ID !== OpCode.InstanceCreate || op.status !== 'running') return null;
  const instance = str((op.input as Record<string, unknown>).instance_name);
  if (!instance) return null;
  for (let i = op.log.length - 1; i >= 0; i--) {
    const entry = op.log[i];
    if (!Array.isArray(entry) || entry.length < 4) continue;
    const [, ts, type, msg] = entry as [number, GanetiTimestamp, string, unknown];
    let pct: number | null = null;
    if (
      msg &&
      typeof msg === 'object' &&
      typeof (msg as { progress?: unknown }).progress === 'number'
    ) {
      pct = (msg as { progress: number }).progress;
    } else if (typeof msg === 'string' && (type === 'progress' || PERCENT.test(msg))) {
      const m = PERCENT.exec(msg) ?? /(\d{1,3})/.exec(msg);
      pct = m ? Number(m[1]) : null;
    }
    if (pct === null || !Number.isFinite(pct)) continue;
    const progress = Math.max(0, Math.min(99, Math.floor(pct)));
    return {
      progress,
      message: {
        type: 'progress',
        cluster,
        jobId: job.id,
        opIndex,
        operation: OpCode.InstanceCreate,
        status: 'running',
        eventTime: Array.isArray(ts) ? ts : fallback,
        logmsg: typeof msg === 'string' ? msg : JSON.stringify(msg),
        instance,
        progress,
      },
    };
  }
  return null;
}
