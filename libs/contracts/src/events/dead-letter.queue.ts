import { Queue, type Job } from 'bullmq';
import type { NefosConfig } from '../config/config.types';
import { bullConnection } from '../redis/redis-connection';
import {
  deadLetterJobId,
  readDeadLetter,
  requeueDeadLetter,
  type DeadLetter,
  type DeadLetterEntry,
} from './dead-letter';
import { DEAD_LETTER_QUEUE, EVENT_QUEUES, EventJobName, type QueueName } from './queue-name.enum';
import { closeQueues } from './queue-close';

const DEAD_LETTERED = 'dead-lettered as';

/**
 * The dead-letter queue: a BullMQ queue no worker consumes, one entry per message that was
 * malformed or failed every attempt. The original stays in its queue's failed set until retried.
 */
export class DeadLetterQueue {
  private readonly dead: Queue;
  private readonly sources = new Map<QueueName, Queue>();

  constructor(config: Pick<NefosConfig, 'redis'>) {
    const connection = bullConnection(config);
    const prefix = config.redis.prefix;
    this.dead = new Queue(DEAD_LETTER_QUEUE, { connection, prefix });
    for (const q of EVENT_QUEUES) this.sources.set(q, new Queue(q, { connection, prefix }));
    // Connection trouble surfaces as rejected calls; an unheard 'error' event would kill the process.
    for (const q of [this.dead, ...this.sources.values()]) q.on('error', () => undefined);
  }

  /** Records a dead message; recording the same job twice keeps one entry. */
  async record(
    queue: QueueName,
    job: Job,
    reason: DeadLetter['reason'],
    failedReason: string,
  ): Promise<string> {
    const entry: DeadLetter = {
      queue,
      jobId: String(job.id),
      name: job.name,
      data: job.data,
      failedReason,
      reason,
      attemptsMade: job.attemptsMade,
      failedAt: new Date().toISOString(),
    };
    const id = deadLetterJobId(queue, String(job.id));
    await this.dead.add(EventJobName.DeadLetter, entry, {
      jobId: id,
      removeOnComplete: false,
      removeOnFail: false,
    });
    // Marks the original, so the sweep never brings back an entry an operator dropped.
    await job.log(`${DEAD_LETTERED} ${id}`);
    return id;
  }

  async has(queue: QueueName, jobId: string): Promise<boolean> {
    return (await this.dead.getJob(deadLetterJobId(queue, jobId))) !== undefined;
  }

  async count(): Promise<number> {
    return this.dead.getWaitingCount();
  }

  async list(limit = 100): Promise<DeadLetterEntry[]> {
    const jobs = await this.dead.getWaiting(0, limit - 1);
    return jobs.filter((j): j is Job => Boolean(j?.id)).map(readDeadLetter);
  }

  /** Re-queues a dead message; null when there is no such entry. */
  async retry(id: string): Promise<{ queue: QueueName; jobId: string } | null> {
    const entry = await this.dead.getJob(id);
    if (!entry) return null;
    const done = await requeueDeadLetter(entry, (q) => this.sources.get(q)!);
    if (done === 'unreadable') throw new Error(`dead-letter entry ${id} is unreadable`);
    return done;
  }

  /** Failed jobs of the event queues that have no entry yet (a crash between fail and record). */
  async sweep(): Promise<number> {
    let added = 0;
    for (const [queue, source] of this.sources) {
      for (const job of await source.getFailed(0, 999)) {
        if (!job?.id || (await this.has(queue, job.id))) continue;
        const { logs } = await source.getJobLogs(job.id, 0, 99);
        if (logs.some((l) => l.startsWith(DEAD_LETTERED))) continue; // recorded, then dropped
        const reason = /stalled/i.test(job.failedReason ?? '') ? 'stalled' : 'exhausted';
        await this.record(queue, job, reason, job.failedReason ?? 'failed');
        added++;
      }
    }
    return added;
  }

  async close(): Promise<void> {
    await closeQueues([this.dead, ...this.sources.values()]);
  }
}
