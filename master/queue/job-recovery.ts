import { UNCLEAN_SHUTDOWN_KIND, type Logger } from '@nefos/contracts';
import { encodeError, OpExecError } from '../common/ganeti-errors';
import { nowTimestamp } from '../common/ganeti-time';
import { OPCODES } from '../exec/opcodes/opcode.registry';
import type { MasterServices } from '../exec/opcodes/op.types';
import { commonParams } from '../exec/opcodes/schemas';
import { JobQueue, markUnfinished } from './job-queue.service';
import { isFinal, jobStatus } from './job-status';
import type { QueuedJob } from './job.types';

export const UNCLEAN_SHUTDOWN =
  'Unclean master daemon shutdown while the opcode was running; it was not re-run (its partial work was undone)';

/**
 * After a restart: queued and waiting ops run again (they never started); an op found running
 * either committed its effect before the crash (its result is in the config: success) or did not
 * (error, never silently re-run, and a half-done create is cleaned up). Returns the jobs to run.
 */
export async function recoverJobs(
  jobs: QueuedJob[],
  queue: JobQueue,
  s: MasterServices,
  logger: Logger,
): Promise<number[]> {
  const resume: number[] = [];
  const committed = s.config.get().committed;
  const rollbacks: Array<() => Promise<void>> = [];
  for (const loaded of jobs) {
    if (isFinal(jobStatus(loaded))) continue;
    queue.update(loaded.id, (job) => {
      for (const [i, op] of job.ops.entries()) {
        const key = `${job.id}/${i}`;
        if (op.status === 'waiting') {
          op.status = 'queued';
          op.start_timestamp = null;
        } else if (op.status === 'canceling') {
          markUnfinished(job, 'canceled', 'Job canceled by request');
        } else if (op.status === 'running' && key in committed) {
          op.status = 'success';
          op.result = committed[key];
          op.end_timestamp = nowTimestamp();
          op.log.push([
            nextSerial(job),
            nowTimestamp(),
            'message',
            'The opcode had completed when the master stopped; its result was recovered',
          ]);
        } else if (op.status === 'running') {
          const def = OPCODES.get(op.input.OP_ID);
          const params = Object.fromEntries(
            Object.entries(op.input).filter(([k]) => k !== 'OP_ID' && !(k in commonParams)),
          );
          if (def?.rollback) {
            const parsed = def.schema.safeParse(params);
            if (parsed.success)
              rollbacks.push(() => def.rollback!(s, parsed.data as never, job.id));
          }
          op.status = 'error';
          op.result = encodeError(new OpExecError(UNCLEAN_SHUTDOWN, UNCLEAN_SHUTDOWN_KIND));
          op.end_timestamp = nowTimestamp();
          op.log.push([nextSerial(job), nowTimestamp(), 'message', UNCLEAN_SHUTDOWN]);
          markUnfinished(job, 'error', encodeError(new OpExecError('Preceding opcode failed')));
          logger.warn(
            { job: job.id, op: op.input.OP_ID },
            'job was running at an unclean shutdown; marked error',
          );
        }
      }
      if (job.ops.every((o) => o.status === 'success')) job.end_timestamp = nowTimestamp();
    });
    if (!isFinal(jobStatus(queue.get(loaded.id)!))) resume.push(loaded.id);
  }
  for (const undo of rollbacks) {
    await undo().catch((err: Error) =>
      logger.error({ err: err.message }, 'rollback after restart failed'),
    );
  }
  const finished = Object.keys(committed).filter((key) => {
    const job = queue.get(Number(key.split('/')[0]));
    return (
      !job || isFinal(jobStatus(job)) || job.ops[Number(key.split('/')[1])]?.status === 'success'
    );
  });
  s.config.forgetCommits(finished);
  return resume;
}

function nextSerial(job: QueuedJob): number {
  return Math.max(0, ...job.ops.flatMap((o) => o.log.map((l) => l[0]))) + 1;
}
