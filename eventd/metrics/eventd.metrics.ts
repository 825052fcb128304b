import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { createProcessRegistry } from '@nefos/contracts/metrics';

/** What eventd exposes on `/metrics` (Prometheus text format). */
@Injectable()
export class EventdMetrics {
  readonly registry = createProcessRegistry('eventd');
  readonly published = new Counter({
    name: 'nefos_eventd_events_published_total',
    help: 'Events published to BullMQ, by message type and op status',
    labelNames: ['type', 'status'] as const,
    registers: [this.registry],
  });
  readonly publishFailures = new Counter({
    name: 'nefos_eventd_publish_failures_total',
    help: 'Publish attempts that failed (Redis unreachable); the job is retried',
    registers: [this.registry],
  });
  readonly parseFailures = new Counter({
    name: 'nefos_eventd_job_file_parse_failures_total',
    help: 'Job files that could not be parsed (truncated or malformed), logged and skipped',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly readbackFailures = new Counter({
    name: 'nefos_eventd_readback_failures_total',
    help: 'Instances that could not be read back through RAPI after a successful op',
    registers: [this.registry],
  });
  readonly lag = new Histogram({
    name: 'nefos_eventd_event_lag_seconds',
    help: "Time from the backend's timestamp of an op status to its publication",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly trackedJobs = new Gauge({
    name: 'nefos_eventd_tracked_jobs',
    help: 'Jobs whose published op statuses eventd remembers',
    registers: [this.registry],
  });
  readonly pendingJobs = new Gauge({
    name: 'nefos_eventd_pending_jobs',
    help: 'Jobs changed on disk and not yet fully published',
    registers: [this.registry],
  });
  readonly highWaterMark = new Gauge({
    name: 'nefos_eventd_high_water_mark_seconds',
    help: 'Every job file change before this time (unix seconds) has been published',
    registers: [this.registry],
  });
}
