import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RapiClientFactory } from '@nefos/contracts';
import {
  createProcessRegistry,
  QueueDepthReader,
  RapiCallMetrics,
  registerQueueMetrics,
} from '@nefos/contracts/metrics';

/** The API's registry and the series its request path feeds (HTTP and RAPI). */
@Injectable()
export class ApiMetrics {
  readonly registry: Registry = createProcessRegistry('api');
  readonly requests = new Counter({
    name: 'nefos_http_requests_total',
    help: 'API requests by method, route template and HTTP status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'nefos_http_request_duration_seconds',
    help: 'API request latency by method, route template and HTTP status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'nefos_http_requests_in_flight',
    help: 'API requests being served',
    registers: [this.registry],
  });
  readonly rapi = new RapiCallMetrics(this.registry);

  constructor(rapiFactory: RapiClientFactory, queues: QueueDepthReader) {
    this.rapi.attach(rapiFactory);
    registerQueueMetrics(this.registry, queues);
  }
}
