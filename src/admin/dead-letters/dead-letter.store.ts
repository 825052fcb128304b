import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import {
  DEAD_LETTER_QUEUE,
  readDeadLetter,
  requeueDeadLetter,
  type DeadLetterEntry,
  type QueueName,
} from '@nefos/contracts';
import { QueueDepthReader } from '@nefos/contracts/metrics';

export type DeadLetterView = DeadLetterEntry;

/**
 * The dispatcher's dead-letter queue (`events.dead`, a BullMQ queue no worker consumes) as the
 * admin API reads and replays it. Replay follows the dispatcher's rule: the original message goes
 * back on its queue under its original job id, so deduplication still holds.
 */
@Injectable()
export class DeadLetterStore {
  constructor(private readonly queues: QueueDepthReader) {}

  async list(
    offset: number,
    limit: number,
  ): Promise<{ total: number; deadLetters: DeadLetterView[] }> {
    const dead = this.queues.queue(DEAD_LETTER_QUEUE);
    const [total, jobs] = await Promise.all([
      dead.getWaitingCount(),
      dead.getWaiting(offset, offset + limit - 1),
    ]);
    return { total, deadLetters: jobs.filter((j): j is Job => Boolean(j?.id)).map(readDeadLetter) };
  }

  async get(id: string): Promise<DeadLetterView | null> {
    const job = await this.queues.queue(DEAD_LETTER_QUEUE).getJob(id);
    return job ? readDeadLetter(job) : null;
  }

  /** Re-queues the message; null when there is no such entry, 'unreadable' when it cannot be. */
  async replay(id: string): Promise<{ queue: QueueName; jobId: string } | null | 'unreadable'> {
    const entry = await this.queues.queue(DEAD_LETTER_QUEUE).getJob(id);
    if (!entry) return null;
    return requeueDeadLetter(entry, (q) => this.queues.queue(q));
  }

  /** Drops the entry (the original failed job stays in its queue's failed set for the record). */
  async drop(id: string): Promise<boolean> {
    const entry = await this.queues.queue(DEAD_LETTER_QUEUE).getJob(id);
    if (!entry) return false;
    await entry.remove();
    return true;
  }
}
