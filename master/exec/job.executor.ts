import type { Logger } from '@nefos/contracts';
import { encodeError, errorText, OpExecError } from '../common/ganeti-errors';
import { nowTimestamp } from '../common/ganeti-time';
import { JobQueue, markUnfinished } from '../queue/job-queue.service';
import { isFinal, jobStatus } from '../queue/job-status';
import type { QueuedJob } from '../queue/job.types';
import type { LockRequest } from './lock.manager';
import { OPCODES } from './opcodes/opcode.registry';
import type { MasterServices, OpContext } from './opcodes/op.types';
import { commonParams } from './opcodes/schemas';

const COMMON_KEYS = new Set(['OP_ID', ...Object.keys(commonParams)]);

export interface ExecutorMetrics {
  workers(busy: number): void;
}

/**
 * Runs queued jobs on a bounded pool of workers. Each op takes its locks (waiting), runs
 * (running) and ends success or error; a failed op fails the ops after it, as in Ganeti.
 */
export class JobExecutor {
  private readonly pending: number[] = [];
  private readonly active = new Map<number, AbortController>();
  private stopping = false;
  private idle: (() => void) | null = null;

  constructor(
    private readonly queue: JobQueue,
    private readonly services: MasterServices,
    private readonly workers: number,
    private readonly logger: Logger,
    private readonly metrics: ExecutorMetrics,
  ) {
    queue.on('submitted', (job: QueuedJob) => this.enqueue(job.id));
    queue.on('cancel', (id: number) => this.active.get(id)?.abort());
  }

  enqueue(id: number): void {
    if (this.pending.includes(id) || this.active.has(id)) return;
    this.pending.push(id);
    this.pump();
  }

  get busy(): number {
    return this.active.size;
  }

  /** Stops taking jobs and waits (up to `graceMs`) for running ones to finish. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.active.size === 0) return;
    await Promise.race([
      new Promise<void>((r) => (this.idle = r)),
      new Promise<void>((r) => setTimeout(r, graceMs)),
    ]);
  }

  private pump(): void {
    while (!this.stopping && this.active.size < this.workers && this.pending.length > 0) {
      const id = this.pending.shift()!;
      const job = this.queue.get(id);
      if (!job || isFinal(jobStatus(job))) continue;
      const abort = new AbortController();
      this.active.set(id, abort);
      this.metrics.workers(this.active.size);
      void this.runJob(job, abort.signal).finally(() => {
        this.active.delete(id);
        this.metrics.workers(this.active.size);
        if (this.active.size === 0) this.idle?.();
        this.pump();
      });
    }
  }

  private async runJob(job: QueuedJob, signal: AbortSignal): Promise<void> {
    for (let i = 0; i < job.ops.length; i++) {
      if (job.ops[i].status === 'success') continue;
      const ok = await this.runOp(job.id, i, signal);
      if (!ok) return;
    }
  }

  private async runOp(jobId: number, index: number, signal: AbortSignal): Promise<boolean> {
    const s = this.services;
    const job = this.queue.get(jobId)!;
    const input = job.ops[index].input;
    const def = OPCODES.get(input.OP_ID);
    const owner = s.locks.newOwner();
    const params = Object.fromEntries(Object.entries(input).filter(([k]) => !COMMON_KEYS.has(k)));
    const fail = (err: unknown, status: 'error' | 'canceled' = 'error'): false => {
      this.queue.update(jobId, (j) => {
        const op = j.ops[index];
        op.status = status;
        op.result = status === 'canceled' ? 'Job canceled by request' : encodeError(err);
        op.end_timestamp = nowTimestamp();
        markUnfinished(
          j,
          status,
          status === 'canceled'
            ? 'Job canceled by request'
            : encodeError(new OpExecError('Preceding opcode failed')),
        );
      });
      return false;
    };
    try {
      if (!def)
        return fail(new OpExecError(`Opcode ${input.OP_ID} is not supported by this master`));
      const parsed = def.schema.parse(params);
      let locks: LockRequest[];
      try {
        locks = def.locks(parsed as never, s.config.get());
      } catch (err) {
        return fail(err);
      }
      const blocks = s.locks.wouldBlock(owner, locks);
      this.queue.update(jobId, (j) => {
        const op = j.ops[index];
        op.status = blocks ? 'waiting' : 'running';
        op.start_timestamp = nowTimestamp();
        j.start_timestamp ??= op.start_timestamp;
      });
      try {
        await s.locks.acquire(owner, locks, signal);
      } catch {
        return fail(null, 'canceled');
      }
      if (signal.aborted) return fail(null, 'canceled');
      this.queue.update(jobId, (j) => {
        j.ops[index].status = 'running';
        j.ops[index].exec_timestamp = nowTimestamp();
      });
      const ctx = this.context(jobId, index, Boolean(input.dry_run), owner, signal);
      const result = await def.run(ctx, parsed as never);
      this.queue.update(jobId, (j) => {
        const op = j.ops[index];
        op.status = 'success';
        op.result = result ?? null;
        op.end_timestamp = nowTimestamp();
        if (j.ops.every((o) => o.status === 'success')) j.end_timestamp = op.end_timestamp;
      });
      this.services.config.forgetCommits([`${jobId}/${index}`]);
      return true;
    } catch (err) {
      this.logger.info({ job: jobId, op: input.OP_ID, err: errorText(err) }, 'opcode failed');
      return fail(err);
    } finally {
      s.locks.release(owner);
    }
  }

  private context(
    jobId: number,
    opIndex: number,
    dryRun: boolean,
    owner: number,
    signal: AbortSignal,
  ): OpContext {
    const s = this.services;
    return {
      jobId,
      opIndex,
      dryRun,
      services: s,
      signal,
      log: (message) => this.queue.log(jobId, opIndex, message),
      lock: (requests) => s.locks.acquire(owner, requests, signal),
      release: (names) => s.locks.release(owner, names),
      commit: (mutate, result) => s.config.update(mutate, { key: `${jobId}/${opIndex}`, result }),
    };
  }
}
