import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { Counter, Gauge, Histogram } from 'prom-client';
import {
  QueueDepthReader,
  createProcessRegistry,
  registerQueueMetrics,
} from '@nefos/contracts/metrics';

/** What the dispatcher exposes on `/metrics` (queue depths are read from Redis at each scrape). */
@Injectable()
export class DispatcherMetrics implements OnApplicationShutdown {
  readonly registry = createProcessRegistry('dispatcher');
  readonly processed = new Counter({
    name: 'nefos_dispatcher_messages_processed_total',
    help: 'Messages handled, by queue and outcome (applied, recorded, stale, duplicate, ...)',
    labelNames: ['queue', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly failed = new Counter({
    name: 'nefos_dispatcher_messages_failed_total',
    help: 'Processing attempts that failed, by queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly retried = new Counter({
    name: 'nefos_dispatcher_messages_retried_total',
    help: 'Failed attempts BullMQ will retry with backoff, by queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'nefos_dispatcher_dead_letters_total',
    help: 'Messages moved to the dead-letter queue, by queue and reason',
    labelNames: ['queue', 'reason'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'nefos_dispatcher_event_to_db_seconds',
    help: "Time from the backend's timestamp of an event to its database update",
    labelNames: ['queue'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  /**
   * Fill the two gauges below from the database at each scrape (set by the periodic scheduler):
   * with several dispatchers any one of them may run a round, and each must show the last one.
   */
  readShared: { reconcile?: () => Promise<void>; heartbeat?: () => Promise<void> } = {};
  readonly reconcileFindings = new Gauge({
    name: 'nefos_dispatcher_reconcile_findings',
    help: 'Drift found by the last periodic reconciliation, by backend and kind',
    labelNames: ['backend', 'kind'] as const,
    registers: [this.registry],
    collect: () => this.readShared.reconcile?.(),
  });
  readonly heartbeatAge = new Gauge({
    name: 'nefos_dispatcher_heartbeat_round_trip_seconds',
    help: 'Round trip of the last periodic heartbeat (RAPI -> master -> eventd -> dispatcher)',
    labelNames: ['backend'] as const,
    registers: [this.registry],
    collect: () => this.readShared.heartbeat?.(),
  });
  readonly tasksSwept = new Counter({
    name: 'nefos_dispatcher_tasks_cleared_late_total',
    help: 'Tasks cleared after the API stored a job id the dispatcher had already seen end',
    registers: [this.registry],
  });
  private readonly depth: QueueDepthReader;

  constructor(@Inject(NEFOS_CONFIG) config: NefosConfig) {
    this.depth = new QueueDepthReader(config);
    registerQueueMetrics(this.registry, this.depth);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.depth.close();
  }
}
