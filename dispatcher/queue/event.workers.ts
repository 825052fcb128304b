import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  EVENT_QUEUES,
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  QueueName,
  bullConnection,
  parseEventMessage,
  queueForMessage,
  type Logger,
  type NefosConfig,
} from '@nefos/contracts';
import { EventRouter } from '../apply/event.router';
import { DispatcherMetrics } from '../metrics/dispatcher.metrics';
import { DeadLetterQueue } from '@nefos/contracts';

export const DEAD_LETTERS = Symbol('DEAD_LETTERS');

/** Op messages get the configured concurrency; the others are few and cheap. */
function concurrencyFor(queue: QueueName, configured: number): number {
  return queue === QueueName.Op ? configured : Math.max(1, Math.ceil(configured / 4));
}

/**
 * The BullMQ consumers: validate, apply, rethrow. A malformed message goes to the dead-letter
 * queue at once (UnrecoverableError: no retry); a failing one is retried with backoff and
 * dead-lettered after its last attempt. Nothing here can crash the process.
 */
@Injectable()
export class EventWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly workers: Worker[] = [];
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    @Inject(DEAD_LETTERS) private readonly deadLetters: DeadLetterQueue,
    private readonly router: EventRouter,
    private readonly metrics: DispatcherMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const connection = bullConnection(this.config);
    const prefix = this.config.redis.prefix;
    for (const queue of EVENT_QUEUES) {
      const worker = new Worker(queue, (job) => this.process(queue, job), {
        connection,
        prefix,
        concurrency: concurrencyFor(queue, this.config.dispatcher.concurrency),
        lockDuration: 30_000,
        stalledInterval: 15_000,
        maxStalledCount: 3,
      });
      worker.on('failed', (job, err) => this.onFailed(queue, job, err));
      worker.on('error', (err) => this.log.error({ queue, err: err.message }, 'worker error'));
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    void this.sweep();
    this.timers.push(setInterval(() => void this.sweep(), 60_000));
    this.log.info({ queues: EVENT_QUEUES }, 'dispatcher consuming');
  }

  async onApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.all(this.workers.map((w) => w.close()));
    await this.deadLetters.close();
  }

  private async process(queue: QueueName, job: Job): Promise<string> {
    const parsed = parseEventMessage(job.data);
    const wrongQueue = parsed.ok && queueForMessage(parsed.message.type) !== queue;
    if (!parsed.ok || wrongQueue) {
      const why = parsed.ok ? `a ${parsed.message.type} message on ${queue}` : parsed.error;
      await this.deadLetters.record(queue, job, 'malformed', why);
      this.metrics.deadLetters.inc({ queue, reason: 'malformed' });
      this.log.warn({ queue, jobId: job.id, why }, 'malformed message dead-lettered');
      throw new UnrecoverableError(`malformed message: ${why}`);
    }
    const message = parsed.message;
    try {
      const outcome = await this.router.apply(message);
      this.metrics.processed.inc({ queue, outcome });
      const [s, us] = message.eventTime;
      this.metrics.latency.observe({ queue }, Math.max(0, Date.now() / 1000 - (s + us / 1e6)));
      return outcome;
    } catch (err) {
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        await this.deadLetters.record(queue, job, 'exhausted', (err as Error).message);
        this.metrics.deadLetters.inc({ queue, reason: 'exhausted' });
        this.log.error(
          { queue, jobId: job.id, err: (err as Error).message, attempts },
          'message failed every attempt; dead-lettered',
        );
      }
      throw err;
    }
  }

  private onFailed(queue: QueueName, job: Job | undefined, err: Error): void {
    this.metrics.failed.inc({ queue });
    if (!job || err instanceof UnrecoverableError || err.name === 'UnrecoverableError') return;
    if (job.attemptsMade < (job.opts.attempts ?? 1)) {
      this.metrics.retried.inc({ queue });
      this.log.warn(
        { queue, jobId: job.id, attempt: job.attemptsMade, err: err.message },
        'message failed; BullMQ retries it',
      );
    }
  }

  private async sweep(): Promise<void> {
    try {
      const added = await this.deadLetters.sweep();
      if (added) this.log.warn({ added }, 'failed messages without a dead-letter entry recorded');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'dead-letter sweep failed');
    }
  }
}
