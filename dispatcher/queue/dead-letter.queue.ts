import { Queue, type Job } from 'bullmq';
import {
  DEAD_LETTER_QUEUE,
  EVENT_JOB_OPTIONS,
  EVENT_QUEUES,
  EventJobName,
  bullConnection,
  closeQueues,
  deadLetterJobId,
  deadLetterSchema,
  type DeadLetter,
  type NefosConfig,
  type QueueName,
} from '@nefos/contracts';

const DEAD_LETTERED = 'dead-lettered as';

export interface DeadLetterEntry extends DeadLetter {
  /** Id of the entry in the dead-letter queue (what `queue-retry` takes). */
  id: string;
}

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
    return jobs
      .filter((j): j is Job => Boolean(j?.id))
      .map((j) => {
        const parsed = deadLetterSchema.safeParse(j.data);
        return parsed.success
          ? { id: j.id!, ...parsed.data }
          : {
              id: j.id!,
              queue: 'events.op' as QueueName,
              jobId: '?',
              name: j.name,
              data: j.data,
              failedReason: 'unreadable dead-letter entry',
              reason: 'malformed' as const,
              attemptsMade: 0,
              failedAt: new Date(j.timestamp).toISOString(),
            };
      });
  }

  /**
   * Puts a dead message back on its queue under its original id (so deduplication still holds)
   * and drops the entry. Returns the re-queued job id, or null when there is no such entry.
   */
  async retry(id: string): Promise<{ queue: QueueName; jobId: string } | null> {
    const entry = await this.dead.getJob(id);
    if (!entry) return null;
    const parsed = deadLetterSchema.safeParse(entry.data);
    if (!parsed.success) throw new Error(`dead-letter entry ${id} is unreadable`);
    const { queue, jobId, name, data } = parsed.data;
    const source = this.sources.get(queue)!;
    const original = await source.getJob(jobId);
    if (original) await original.remove();
    await source.add(name, data, { ...EVENT_JOB_OPTIONS, jobId });
    await entry.remove();
    return { queue, jobId };
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
