import { Counter, Histogram, type Registry } from 'prom-client';
import type { RapiClientFactory } from '../rapi/rapi-client.factory';

type RapiCall = Parameters<NonNullable<RapiClientFactory['onCall']>>[1];

// RAPI collections whose third path segment names one object (`/2/instances/<name>/...`).
const NAMED = new Set(['instances', 'nodes', 'jobs', 'networks', 'groups', 'os', 'filters']);

/**
 * The RAPI path as a template (`/2/instances/:name/startup`), so label values stay few however
 * many instances there are.
 */
export function rapiEndpoint(path: string): string {
  const parts = path.split('?')[0].split('/');
  // ['', '2', 'instances', '<name>', ...]
  if (parts[1] === '2' && NAMED.has(parts[2] ?? '') && parts.length > 3 && parts[3] !== '') {
    parts[3] = parts[2] === 'jobs' ? ':id' : ':name';
  }
  return parts.join('/') || '/';
}

/**
 * RAPI call latency and failures by backend, fed by `RapiClientFactory.onCall` (every HTTP call
 * of every backend's client, retries included).
 */
export class RapiCallMetrics {
  readonly duration: Histogram<'backend' | 'method' | 'endpoint' | 'code'>;
  readonly failures: Counter<'backend' | 'method' | 'endpoint' | 'reason'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'nefos_rapi_request_duration_seconds',
      help: 'RAPI calls to each backend by endpoint template and HTTP status (code "none": no answer)',
      labelNames: ['backend', 'method', 'endpoint', 'code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'nefos_rapi_request_failures_total',
      help: 'RAPI calls that failed: network (no answer, timeout), client_error (4xx), server_error (5xx)',
      labelNames: ['backend', 'method', 'endpoint', 'reason'],
      registers: [registry],
    });
  }

  observe(backend: string, call: RapiCall): void {
    const endpoint = rapiEndpoint(call.path);
    const method = call.method.toUpperCase();
    const code = call.status === null ? 'none' : String(call.status);
    this.duration.observe({ backend, method, endpoint, code }, call.seconds);
    const reason =
      call.status === null
        ? 'network'
        : call.status >= 500
          ? 'server_error'
          : call.status >= 400
            ? 'client_error'
            : null;
    if (reason) this.failures.inc({ backend, method, endpoint, reason });
  }

  /** Observes every call made through this factory's clients. */
  attach(factory: RapiClientFactory): void {
    factory.onCall = (backend, call) => this.observe(backend, call);
  }
}
