import { EventEmitter } from 'node:events';
import type { OpStatus } from '@nefos/contracts';
import { nowTimestamp, timestampSeconds } from '../common/ganeti-time';
import { JobQueueStore } from './job-queue.store';
import { isFinal, jobStatus, opSummary } from './job-status';
import { PENDING_STATUSES, type OpInput, type QueuedJob, type QueuedOp } from './job.types';

export const JOB_FIELDS = [
  'id',
  'ops',
  'status',
  'summary',
  'opstatus',
  'opresult',
  'oplog',
  'received_ts',
  'start_ts',
  'end_ts',
  'opstart',
  'opexec',
  'opend',
  'oppriority',
  'priority',
] as const;
export type JobField = (typeof JOB_FIELDS)[number];
export const J_FIELDS: JobField[] = [
  'id',
  'ops',
  'status',
  'summary',
  'opstatus',
  'received_ts',
  'start_ts',
  'end_ts',
  'oplog',
  'opresult',
];
export const J_FIELDS_BULK: JobField[] = J_FIELDS.slice(0, 8);

/**
 * The job queue: every job in memory (for queries and long-polls) and on disk (for the event
 * daemon and for restarts). Every change is written before it is announced.
 */
export class JobQueue extends EventEmitter {
  private readonly jobs = new Map<number, QueuedJob>();
  private serial = 0;

  constructor(readonly store: JobQueueStore) {
    super();
    this.setMaxListeners(0);
  }

  /** Loads the queue dir; returns the jobs so the caller can recover unfinished ones. */
  load(): QueuedJob[] {
    const jobs = this.store.loadAll();
    for (const job of jobs) this.jobs.set(job.id, job);
    this.serial = Math.max(this.store.readSerial(), this.store.highestId());
    return jobs;
  }

  /** Accepts a job: the id is only returned once its file is on disk. */
  submit(inputs: OpInput[], priority = 0): number {
    const id = ++this.serial;
    this.store.writeSerial(id);
    const job: QueuedJob = {
      id,
      received_timestamp: nowTimestamp(),
      start_timestamp: null,
      end_timestamp: null,
      ops: inputs.map((input) => ({
        input,
        status: 'queued',
        result: null,
        log: [],
        priority,
        start_timestamp: null,
        exec_timestamp: null,
        end_timestamp: null,
      })),
    };
    this.store.write(job);
    this.jobs.set(id, job);
    this.emit('submitted', job);
    this.emit('changed', id);
    return id;
  }

  get(id: number): QueuedJob | null {
    return this.jobs.get(id) ?? this.store.readArchived(id);
  }

  list(): QueuedJob[] {
    return [...this.jobs.values()].sort((a, b) => a.id - b.id);
  }

  /** Applies a change to a live job, writes it, then tells waiters. */
  update(id: number, change: (job: QueuedJob) => void): QueuedJob {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`job ${id} is not in the queue`);
    const before = jobStatus(job);
    change(job);
    this.store.write(job);
    const after = jobStatus(job);
    this.emit('changed', id);
    if (!isFinal(before) && isFinal(after)) this.emit('finished', job);
    return job;
  }

  log(id: number, opIndex: number, message: string, type = 'message'): void {
    this.update(id, (job) => {
      const serial = Math.max(0, ...job.ops.flatMap((o) => o.log.map((l) => l[0]))) + 1;
      job.ops[opIndex].log.push([serial, nowTimestamp(), type, message]);
    });
  }

  /** Ganeti's answer to a cancel: `[success, message]`. Running jobs cannot be canceled. */
  cancel(id: number): [boolean, string] {
    const job = this.jobs.get(id);
    if (!job) return [false, `Job ${id} not found`];
    const status = jobStatus(job);
    if (status === 'queued') {
      this.update(id, (j) => markUnfinished(j, 'canceled', 'Job canceled by request'));
      return [true, `Job ${id} canceled`];
    }
    if (status === 'waiting') {
      this.update(id, (j) => {
        for (const op of j.ops)
          if (op.status === 'waiting' || op.status === 'queued') op.status = 'canceling';
      });
      this.emit('cancel', id);
      return [true, `Job ${id} will be canceled`];
    }
    return [false, `Job ${id} is no longer waiting in the queue`];
  }

  /** Long-poll: resolves with new info and log entries, or null when nothing changed in time. */
  waitForChange(
    id: number,
    fields: JobField[],
    previousInfo: unknown[] | null,
    previousLogSerial: number | null,
    timeoutMs: number,
    abort: AbortSignal,
  ): Promise<{ job_info: unknown[]; log_entries: unknown[] } | null | 'unknown'> {
    const check = (): { job_info: unknown[]; log_entries: unknown[] } | null | 'unknown' => {
      const job = this.get(id);
      if (!job) return 'unknown';
      const info = jobInfo(job, fields);
      const entries = job.ops
        .flatMap((o) => o.log)
        .filter((l) => previousLogSerial === null || l[0] > previousLogSerial);
      const changed = JSON.stringify(info) !== JSON.stringify(previousInfo) || entries.length > 0;
      if (changed || !PENDING_STATUSES.includes(jobStatus(job))) {
        return { job_info: info, log_entries: entries };
      }
      return null;
    };
    const first = check();
    if (first !== null) return Promise.resolve(first);
    return new Promise((resolve) => {
      const finish = (v: ReturnType<typeof check>): void => {
        clearTimeout(timer);
        this.off('changed', onChange);
        abort.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onChange = (changedId: number): void => {
        if (changedId !== id) return;
        const r = check();
        if (r !== null) finish(r);
      };
      const onAbort = (): void => finish(null);
      const timer = setTimeout(() => finish(null), timeoutMs);
      this.on('changed', onChange);
      abort.addEventListener('abort', onAbort);
    });
  }

  /** Moves finished jobs older than `ageSeconds` to the archive; returns their ids. */
  archiveOlderThan(ageSeconds: number): number[] {
    const cutoff = Date.now() / 1000 - ageSeconds;
    const moved: number[] = [];
    for (const job of this.jobs.values()) {
      const end = timestampSeconds(job.end_timestamp);
      if (!isFinal(jobStatus(job)) || end === null || end > cutoff) continue;
      this.store.archive(job.id);
      this.jobs.delete(job.id);
      moved.push(job.id);
    }
    return moved;
  }

  counts(): Record<OpStatus, number> {
    const c = {
      queued: 0,
      waiting: 0,
      canceling: 0,
      running: 0,
      canceled: 0,
      success: 0,
      error: 0,
    };
    for (const job of this.jobs.values()) c[jobStatus(job)] += 1;
    return c;
  }
}

/** Marks every op not yet finished with a final status and result (Ganeti's MarkUnfinishedOps). */
export function markUnfinished(job: QueuedJob, status: OpStatus, result: unknown): void {
  const now = nowTimestamp();
  for (const op of job.ops) {
    if (isFinal(op.status)) continue;
    op.status = status;
    op.result = result;
    op.end_timestamp = now;
  }
  job.end_timestamp = now;
}

export function jobInfo(job: QueuedJob | null, fields: readonly JobField[]): unknown[] {
  return fields.map((f) => (job ? jobField(job, f) : null));
}

function jobField(job: QueuedJob, field: JobField): unknown {
  const per = <T>(fn: (op: QueuedOp) => T): T[] => job.ops.map(fn);
  switch (field) {
    case 'id':
      return job.id;
    case 'ops':
      return per((o) => o.input);
    case 'status':
      return jobStatus(job);
    case 'summary':
      return per(opSummary);
    case 'opstatus':
      return per((o) => o.status);
    case 'opresult':
      return per((o) => o.result);
    case 'oplog':
      return per((o) => o.log);
    case 'received_ts':
      return job.received_timestamp;
    case 'start_ts':
      return job.start_timestamp;
    case 'end_ts':
      return job.end_timestamp;
    case 'opstart':
      return per((o) => o.start_timestamp);
    case 'opexec':
      return per((o) => o.exec_timestamp);
    case 'opend':
      return per((o) => o.end_timestamp);
    case 'oppriority':
      return per((o) => o.priority);
    case 'priority':
      return Math.min(...job.ops.map((o) => o.priority));
  }
}

export type { OpInput };
