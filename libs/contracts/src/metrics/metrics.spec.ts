import { execFileSync } from 'node:child_process';
import { Counter } from 'prom-client';
import { bearerAccepted } from './metrics.server';
import { RapiCallMetrics, rapiEndpoint } from './rapi.metrics';
import { createProcessRegistry, mibToBytes } from './registry';

describe('rapiEndpoint', () => {
  it('replaces object names with placeholders so label values stay few', () => {
    expect(rapiEndpoint('/2/instances/nefos-1234/startup')).toBe('/2/instances/:name/startup');
    expect(rapiEndpoint('/2/instances/nefos-1234')).toBe('/2/instances/:name');
    expect(rapiEndpoint('/2/nodes/node1.example.com/modify')).toBe('/2/nodes/:name/modify');
    expect(rapiEndpoint('/2/jobs/42/wait')).toBe('/2/jobs/:id/wait');
    expect(rapiEndpoint('/2/networks/public/connect')).toBe('/2/networks/:name/connect');
  });

  it('keeps collection and cluster paths as they are', () => {
    expect(rapiEndpoint('/2/instances')).toBe('/2/instances');
    expect(rapiEndpoint('/2/instances?bulk=1')).toBe('/2/instances');
    expect(rapiEndpoint('/2/info')).toBe('/2/info');
    expect(rapiEndpoint('/version')).toBe('/version');
  });
});

describe('bearerAccepted', () => {
  it('accepts anything when no token is configured', () => {
    expect(bearerAccepted(undefined, undefined)).toBe(true);
  });

  it('accepts exactly the configured bearer token', () => {
    const token = 'a-metrics-token-of-some-length';
    expect(bearerAccepted(`Bearer ${token}`, token)).toBe(true);
    expect(bearerAccepted(`bearer ${token}`, token)).toBe(true);
    expect(bearerAccepted(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerAccepted(`Basic ${token}`, token)).toBe(false);
    expect(bearerAccepted(undefined, token)).toBe(false);
  });
});

describe('RapiCallMetrics', () => {
  it('times every call and counts failures by kind', async () => {
    const registry = createProcessRegistry('unit');
    const m = new RapiCallMetrics(registry);
    m.observe('c1', { method: 'get', path: '/2/instances/a', status: 200, seconds: 0.01 });
    m.observe('c1', { method: 'GET', path: '/2/instances/b', status: 404, seconds: 0.02 });
    m.observe('c1', { method: 'PUT', path: '/2/instances/b/startup', status: null, seconds: 10 });
    m.observe('c2', { method: 'GET', path: '/2/info', status: 502, seconds: 0.5 });
    const text = await registry.metrics();
    expect(text).toContain(
      'nefos_rapi_request_duration_seconds_count{backend="c1",method="GET",endpoint="/2/instances/:name",code="200"} 1',
    );
    expect(text).toContain(
      'nefos_rapi_request_failures_total{backend="c1",method="GET",endpoint="/2/instances/:name",reason="client_error"} 1',
    );
    expect(text).toContain(
      'nefos_rapi_request_failures_total{backend="c1",method="PUT",endpoint="/2/instances/:name/startup",reason="network"} 1',
    );
    expect(text).toContain(
      'nefos_rapi_request_failures_total{backend="c2",method="GET",endpoint="/2/info",reason="server_error"} 1',
    );
  });
});

describe('createProcessRegistry', () => {
  it('exposes process metrics that promtool accepts', async () => {
    const registry = createProcessRegistry('unit');
    new Counter({ name: 'nefos_unit_things_total', help: 'things', registers: [registry] }).inc();
    const text = await registry.metrics();
    expect(text).toContain('nefos_unit_process_cpu_seconds_total');
    expect(text).not.toMatch(/^nefos_unit_nodejs_active_handles_total/m);
    // promtool exits non-zero on any lint problem (3) or parse error (1).
    expect(() =>
      execFileSync('promtool', ['check', 'metrics'], {
        input: text,
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    ).not.toThrow();
  });
});

describe('mibToBytes', () => {
  it('converts Ganeti MiB figures, treating unknown as 0', () => {
    expect(mibToBytes(2)).toBe(2097152);
    expect(mibToBytes(null)).toBe(0);
  });
});
