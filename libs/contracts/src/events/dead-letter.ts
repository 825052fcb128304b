import { z } from 'zod';
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
