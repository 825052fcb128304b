import { Queue } from 'bullmq';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NefosConfig } from '../config/config.types';
import { DEAD_LETTER_QUEUE, EVENT_QUEUES } from '../events/queue-name.enum';
import { bullConnection } from '../redis/redis-connection';

/** The BullMQ job states worth watching (`getJobCounts` names). */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'paused',
  'waiting-children',
  'failed',
  'completed',
] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** Counts of one queue by state, read straight from Redis. */
export type QueueCounts = Record<QueueState, number>;

/**
 * Reads BullMQ queue depths from Redis for `/metrics` and the admin dashboard. It never consumes:
 * any process (the API, a dispatcher) can report the whole pipeline.
 */
export class QueueDepthReader {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly config: Pick<NefosConfig, 'redis'>) {}

  /** The event queues and the dead-letter queue. */
  get names(): string[] {
    return [...EVENT_QUEUES, DEAD_LETTER_QUEUE];
  }

  async counts(name: string): Promise<QueueCounts> {
    const raw = await this.queue(name).getJobCounts(...QUEUE_STATES);
    return Object.fromEntries(QUEUE_STATES.map((s) => [s, raw[s] ?? 0])) as QueueCounts;
  }

  async all(): Promise<Record<string, QueueCounts>> {
    const entries = await Promise.all(
      this.names.map(async (n) => [n, await this.counts(n)] as const),
    );
    return Object.fromEntries(entries);
  }

  /** Messages waiting in the dead-letter queue for an operator (every state but completed). */
  static deadLetters(counts: QueueCounts): number {
    return QUEUE_STATES.filter((s) => s !== 'completed').reduce((n, s) => n + counts[s], 0);
  }

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: { ...bullConnection(this.config), maxRetriesPerRequest: 1 },
        prefix: this.config.redis.prefix,
      });
      q.on('error', () => undefined); // reported as a failed collection; ioredis reconnects
      this.queues.set(name, q);
    }
    return q;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

/** `nefos_queue_jobs{queue,state}` and `nefos_queue_dead_letters`, read at each scrape. */
export function registerQueueMetrics(registry: Registry, reader: QueueDepthReader): void {
  const failures = new Counter({
    name: 'nefos_queue_read_failures_total',
    help: 'Scrapes that could not read the BullMQ queue depths from Redis',
    registers: [registry],
  });
  let pending: Promise<Record<string, QueueCounts> | null> | null = null;
  // Both gauges are collected in the same scrape: read Redis once for the two.
  const read = (): Promise<Record<string, QueueCounts> | null> => {
    pending ??= reader
      .all()
      .catch(() => {
        failures.inc();
        return null;
      })
      .finally(() => setImmediate(() => (pending = null)));
    return pending;
  };
  new Gauge({
    name: 'nefos_queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const all = await read();
      if (!all) return;
      for (const [queue, counts] of Object.entries(all)) {
        for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state]);
      }
    },
  });
  new Gauge({
    name: 'nefos_queue_dead_letters',
    help: 'Event messages in the dead-letter queue waiting for an operator (replay or drop)',
    registers: [registry],
    async collect() {
      const all = await read();
      if (all?.[DEAD_LETTER_QUEUE]) this.set(QueueDepthReader.deadLetters(all[DEAD_LETTER_QUEUE]));
    },
  });
}
