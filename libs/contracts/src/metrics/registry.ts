import { collectDefaultMetrics, Registry } from 'prom-client';

// prom-client exports these sums as gauges named `..._total`, which Prometheus reserves for
// counters (promtool rejects them); the same figures are there by type without the suffix.
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Node's process metrics (CPU, memory, event loop lag, GC, handles) on `registry` under
 * `nefos_<process>_`, so series from several processes on one host never clash, and named so
 * that `promtool check metrics` accepts them. Daemons call this instead of collectDefaultMetrics.
 */
export function registerProcessMetrics(registry: Registry, processName: string): void {
  const prefix = `nefos_${processName}_`;
  collectDefaultMetrics({ register: registry, prefix });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(`${prefix}${name}`);
}

/** A registry holding the process metrics of `processName` (see registerProcessMetrics). */
export function createProcessRegistry(processName: string): Registry {
  const registry = new Registry();
  registerProcessMetrics(registry, processName);
  return registry;
}

/** Ganeti reports memory and disk in MiB; Prometheus wants bytes. */
export function mibToBytes(mib: number | null | undefined): number {
  return (mib ?? 0) * 1024 * 1024;
}
