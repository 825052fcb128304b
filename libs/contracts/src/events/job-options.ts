import type { JobsOptions } from 'bullmq';
import { QueueName } from './queue-name.enum';
import type { EventMessageInput } from './event.schemas';

/** The one place event job options live. */
export const EVENT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 10000 },
  removeOnFail: false,
};

/**
 * Deterministic BullMQ job id, so a re-published event is deduplicated (DESIGN.md §4).
 * BullMQ refuses ids with `:` and all-digit ids; cluster names are host-like.
 */
export function eventJobId(
  e: Pick<EventMessageInput, 'cluster' | 'jobId' | 'opIndex' | 'status' | 'type'> & {
    suffix?: string;
  },
): string {
  const base = `${e.cluster}-${e.jobId}-${e.opIndex ?? 0}-${e.status}`;
  const kind = e.type === 'op' ? '' : `-${e.type}`;
  return `${base}${kind}${e.suffix ? `-${e.suffix}` : ''}`.replace(/:/g, '_');
}

export function queueForMessage(type: EventMessageInput['type']): QueueName {
  switch (type) {
    case 'op':
      return QueueName.Op;
    case 'network':
      return QueueName.Network;
    case 'progress':
      return QueueName.Progress;
    case 'cluster':
      return QueueName.Cluster;
  }
}
