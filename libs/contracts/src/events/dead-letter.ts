import type { Job, Queue } from 'bullmq';
import { z } from 'zod';
import { EVENT_JOB_OPTIONS } from './job-options';
import { EVENT_QUEUES, type QueueName } from './queue-name.enum';

/**
 * What the dispatcher stores in the dead-letter queue: the original BullMQ job, untouched, with
 * why it failed, so `nefos-manage queue-retry` can put it back where it came from.
 */
export const deadLetterSchema = z.object({
  queue: z.enum(EVENT_QUEUES as unknown as [QueueName, ...QueueName[]]),
  jobId: z.string().min(1),
  name: z.string(),
  data: z.unknown(),
  failedReason: z.string(),
  /** `malformed` (rejected at once), `exhausted` (every attempt failed) or `stalled`. */
  reason: z.enum(['malformed', 'exhausted', 'stalled']),
  attemptsMade: z.number().int().nonnegative(),
  failedAt: z.string(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

/** Dead-letter job id: one entry per original job, so recording it twice changes nothing. */
export function deadLetterJobId(queue: string, jobId: string): string {
  return `dead-${queue}-${jobId}`.replace(/:/g, '_');
}

/**
 * Redis keys the daemons refresh while they run (with an expiry), so a failed heartbeat can say
 * whether eventd or a dispatcher is alive at all.
 */
export function livenessKey(prefix: string, daemon: 'eventd' | 'dispatcher', who: string): string {
  return `${prefix}:liveness:${daemon}:${who}`;
}
export function livenessPattern(prefix: string, daemon: 'eventd' | 'dispatcher'): string {
  return `${prefix}:liveness:${daemon}:*`;
}

export interface DeadLetterEntry extends Omit<DeadLetter, 'queue'> {
  /** Id of the entry in the dead-letter queue (what `queue-retry` and the admin API take). */
  id: string;
  /** `?` when the entry itself cannot be read. */
  queue: QueueName | '?';
  /** False when the entry itself cannot be read (it can still be dropped). */
  readable: boolean;
}

/** One dead-letter queue entry as operators see it, readable or not. */
export function readDeadLetter(j: Job): DeadLetterEntry {
  const parsed = deadLetterSchema.safeParse(j.data);
  if (parsed.success) return { id: j.id!, readable: true, ...parsed.data };
  return {
    id: j.id!,
    readable: false,
    queue: '?',
    jobId: '?',
    name: j.name,
    data: j.data,
    failedReason: 'unreadable dead-letter entry',
    reason: 'malformed',
    attemptsMade: 0,
    failedAt: new Date(j.timestamp).toISOString(),
  };
}

/**
 * Puts a dead message back on its queue under its original job id (so deduplication still holds:
 * the failed original is removed first) and drops the entry. The dispatcher's CLI and the admin
 * API replay through this one rule.
 */
export async function requeueDeadLetter(
  entry: Job,
  sourceQueue: (q: QueueName) => Queue,
): Promise<{ queue: QueueName; jobId: string } | 'unreadable'> {
  const parsed = deadLetterSchema.safeParse(entry.data);
  if (!parsed.success) return 'unreadable';
  const { queue, jobId, name, data } = parsed.data;
  const source = sourceQueue(queue);
  const original = await source.getJob(jobId);
  if (original) await original.remove();
  await source.add(name, data, { ...EVENT_JOB_OPTIONS, jobId });
  await entry.remove();
  return { queue, jobId };
}
