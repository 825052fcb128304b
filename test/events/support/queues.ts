import { Queue } from 'bullmq';
import {
  EVENT_QUEUES,
  bullConnection,
  closeQueues,
  type EventMessage,
  type NefosConfig,
  type QueueName,
} from '../../../libs/contracts/src';

/** Reads what was published, for assertions. */
export class QueueInspector {
  private readonly queues = new Map<QueueName, Queue>();
  constructor(config: NefosConfig) {
    for (const q of EVENT_QUEUES) {
      const queue = new Queue(q, {
        connection: bullConnection(config),
        prefix: config.redis.prefix,
      });
      queue.on('error', () => undefined);
      this.queues.set(q, queue);
    }
  }

  async jobs(queue: QueueName): Promise<Array<{ id: string; data: EventMessage }>> {
    const jobs = await this.queues
      .get(queue)!
      .getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
    return jobs
      .filter((j) => j && j.id)
      .map((j) => ({ id: j.id!, data: j.data as EventMessage }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  async close(): Promise<void> {
    await closeQueues(this.queues.values());
  }
}

/** Polls `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
