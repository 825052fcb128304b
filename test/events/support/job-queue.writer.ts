import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Ts = [number, number];
export type Status =
  'queued' | 'waiting' | 'running' | 'canceling' | 'canceled' | 'success' | 'error';

export interface OpSpec {
  input: Record<string, unknown> & { OP_ID: string };
  status: Status;
  result?: unknown;
  log?: Array<[number, Ts, string, unknown]>;
  start_timestamp?: Ts | null;
  exec_timestamp?: Ts | null;
  end_timestamp?: Ts | null;
}

export function ts(ms: number): Ts {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1000)];
}

/**
 * Writes job files exactly as Ganeti (and our master) lays them out (DESIGN.md §3): one JSON file
 * per job replaced atomically, `archive/<id div 10000>/job-<id>`, and `serial`.
 */
export class JobQueueWriter {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  job(id: number, ops: OpSpec[], received: Ts = ts(Date.now())): Record<string, unknown> {
    const started = ops.map((o) => o.start_timestamp).find(Boolean) ?? null;
    const ended = ops.every((o) => ['success', 'error', 'canceled'].includes(o.status))
      ? (ops[ops.length - 1].end_timestamp ?? null)
      : null;
    return {
      id,
      received_timestamp: received,
      start_timestamp: started,
      end_timestamp: ended,
      ops: ops.map((o) => ({
        input: o.input,
        status: o.status,
        result: o.result ?? null,
        log: o.log ?? [],
        priority: 0,
        start_timestamp: o.start_timestamp ?? null,
        exec_timestamp: o.exec_timestamp ?? null,
        end_timestamp: o.end_timestamp ?? null,
      })),
    };
  }

  /** Atomic replace: temp file in the same directory, then rename (IN_MOVED_TO). */
  write(id: number, ops: OpSpec[], received?: Ts): void {
    this.writeRaw(id, JSON.stringify(this.job(id, ops, received)));
    writeFileSync(join(this.dir, 'serial'), `${id}\n`);
  }

  writeRaw(id: number, text: string): void {
    const tmp = join(this.dir, `.job-${id}-${process.pid}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(this.dir, `job-${id}`));
  }

  /** Written in place without a rename, as a non-atomic writer would (close-after-write). */
  writeInPlace(id: number, text: string): void {
    writeFileSync(join(this.dir, `job-${id}`), text);
  }

  archive(id: number): void {
    const bucket = join(this.dir, 'archive', String(Math.floor(id / 10000)));
    mkdirSync(bucket, { recursive: true });
    renameSync(join(this.dir, `job-${id}`), join(bucket, `job-${id}`));
  }
}

/** An op of one instance at a given status with realistic timestamps. */
export function instanceOp(
  opId: string,
  instance: string,
  status: Status,
  atMs: number,
  extra: Partial<OpSpec> & { params?: Record<string, unknown>; requestId?: string } = {},
): OpSpec {
  const { params, requestId, ...rest } = extra;
  const reason: Array<[string, string, number]> = [['gnt:client:rapi', 'rapi', atMs * 1e6]];
  if (requestId) reason.unshift(['gnt:user', requestId, atMs * 1e6]);
  const started = ['queued'].includes(status) ? null : ts(atMs - 3);
  const exec = ['queued', 'waiting'].includes(status) ? null : ts(atMs - 2);
  const ended = ['success', 'error', 'canceled'].includes(status) ? ts(atMs) : null;
  return {
    input: { OP_ID: opId, instance_name: instance, reason, ...(params ?? {}) },
    status,
    start_timestamp: started,
    exec_timestamp: exec,
    end_timestamp: ended,
    log: status === 'queued' ? [] : [[1, ts(atMs - 1), 'message', `${opId} ${status}`]],
    ...rest,
  };
}
