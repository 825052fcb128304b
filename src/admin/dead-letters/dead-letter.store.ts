import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import {
  DEAD_LETTER_QUEUE,
  EVENT_JOB_OPTIONS,
  deadLetterSchema,
  type DeadLetter,
  type QueueName,
} from '@nefos/contracts';
import { QueueDepthReader } from '@nefos/contracts/metrics';

export interface DeadLetterView extends Omit<DeadLetter, 'queue'> {
  /** Id of the entry in the dead-letter queue. */
  id: string;
  queue: string;
  /** False when the entry itself cannot be read (it can still be dropped). */
  readable: boolean;
}

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
    return { total, deadLetters: jobs.filter((j): j is Job => Boolean(j?.id)).map(view) };
  }

  async get(id: string): Promise<DeadLetterView | null> {
    const job = await this.queues.queue(DEAD_LETTER_QUEUE).getJob(id);
    return job ? view(job) : null;
  }

  /** Re-queues the message; null when there is no such entry, 'unreadable' when it cannot be. */
  async replay(id: string): Promise<{ queue: string; jobId: string } | null | 'unreadable'> {
    const entry = await this.queues.queue(DEAD_LETTER_QUEUE).getJob(id);
    if (!entry) return null;
    const parsed = deadLetterSchema.safeParse(entry.data);
    if (!parsed.success) return 'unreadable';
    const { queue, jobId, name, data } = parsed.data;
    const source = this.queues.queue(queue);
    const original = await source.getJob(jobId);
    if (original) await original.remove();
    await source.add(name, data, { ...EVENT_JOB_OPTIONS, jobId });
    await entry.remove();
    return { queue, jobId };
  }

  /** Drops the entry (the original failed job stays in its queue's failed set for the record). */
  async drop(id: string): Promise<boolean> {
    const entry = await this.queues.queue(DEAD_LETTER_QUEUE).getJob(id);
    if (!entry) return false;
    await entry.remove();
    return true;
  }
}

function view(j: Job): DeadLetterView {
  const parsed = deadLetterSchema.safeParse(j.data);
  if (parsed.success) return { id: j.id!, readable: true, ...parsed.data };
  return {
    id: j.id!,
    readable: false,
    queue: '?' as QueueName,
    jobId: '?',
    name: j.name,
    data: j.data,
    failedReason: 'unreadable dead-letter entry',
    reason: 'malformed',
    attemptsMade: 0,
    failedAt: new Date(j.timestamp).toISOString(),
  };
}
