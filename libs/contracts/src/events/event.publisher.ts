import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NefosConfig } from '../config/config.types';
import { bullConnection } from '../redis/redis-connection';
import type { EventMessageInput } from './event.schemas';
import { EVENT_JOB_OPTIONS, eventJobId, queueForMessage } from './job-options';
import { EVENT_QUEUES, EventJobName, type QueueName } from './queue-name.enum';
import { closeQueues } from './queue-close';

const JOB_NAME: Record<EventMessageInput['type'], EventJobName> = {
  op: EventJobName.Op,
  network: EventJobName.Network,
  progress: EventJobName.Progress,
  cluster: EventJobName.Cluster,
};

/**
 * The BullMQ producer of eventd and the hooks: one queue per message kind, the job options and
 * the deterministic job id from the contracts, so publishing the same status twice is a no-op.
 */
export class EventPublisher {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    config: Pick<NefosConfig, 'redis'>,
    /** Connection trouble; publishing itself rejects (and is retried by the caller) meanwhile. */
    onError: (err: Error) => void = () => undefined,
  ) {
    const connection = bullConnection(config);
    for (const name of EVENT_QUEUES) {
      const queue = new Queue(name, { connection, prefix: config.redis.prefix });
      queue.on('error', onError);
      this.queues.set(name, queue);
    }
  }

  /** Resolves once Redis holds the message (or already held one with the same id). */
  async publish(message: EventMessageInput, idSuffix?: string): Promise<string> {
    const queue = this.queues.get(queueForMessage(message.type))!;
    const jobId = eventJobId({ ...message, suffix: idSuffix });
    await queue.add(JOB_NAME[message.type], message, { ...EVENT_JOB_OPTIONS, jobId });
    return jobId;
  }

  /** The producer's Redis connection (for liveness keys). */
  async client(): Promise<Redis> {
    return (await [...this.queues.values()][0].client) as unknown as Redis;
  }

  async close(): Promise<void> {
    await closeQueues(this.queues.values());
  }
}
