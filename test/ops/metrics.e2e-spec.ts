import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/processes';
import { sample, scrape, startOpsStack, type OpsStack } from './support/ops-stack';

interface GrafanaPanel {
  id: number;
  title: string;
  targets?: Array<{ expr: string }>;
}

const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs', 'grafana', 'nefos.json'), 'utf8')) as {
  panels: GrafanaPanel[];
};
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** promtool's verdict on a metrics page: '' when clean, else its complaints. */
function promtool(text: string): string {
  try {
    execFileSync('promtool', ['check', 'metrics'], { input: text, stdio: 'pipe' });
    return '';
  } catch (err) {
    const e = err as { status: number; stdout: Buffer; stderr: Buffer };
    return `exit ${e.status}: ${e.stdout.toString()}${e.stderr.toString()}`;
  }
}

/**
 * Every process's /metrics after some traffic (two servers created, one stopped, a 404, admin
 * calls): the key series with their labels, each page clean for `promtool check metrics`.
 */
describe('GET /metrics of every process', () => {
  let ops: OpsStack;
  let pages: Record<string, string>;
  let created: { id: string; requestId: string };
  let unauthenticated: Record<string, number>;
  // Scrapes carry Prometheus' bearer token, which every process checks the same way.
  const METRICS_TOKEN = 'scrape-secret-7f3a';

  beforeAll(async () => {
    ops = await startOpsStack({ NEFOS_METRICS_TOKEN: METRICS_TOKEN });
    created = await ops.createServer('metrics-a');
    const b = await ops.createServer('metrics-b');
    await ops.waitForStatus(created.id, 'ACTIVE');
    await ops.waitForStatus(b.id, 'ACTIVE');
    expect(
      (await ops.call('POST', `/compute/v2.1/servers/${b.id}/action`, { 'os-stop': null })).status,
    ).toBe(202);
    await ops.waitForStatus(b.id, 'SHUTOFF');
    expect(
      (await ops.call('GET', '/compute/v2.1/servers/00000000-0000-4000-8000-000000000000')).status,
    ).toBe(404);
    expect((await ops.call('GET', '/admin/api/overview')).status).toBe(200);
    const c = ops.env.config;
    const urls: Record<string, string> = {
      api: `${c.api.publicUrl}/metrics`,
      master: `http://127.0.0.1:${c.master.metricsPort}/metrics`,
      eventd: `http://127.0.0.1:${c.eventd.metricsPort}/metrics`,
      dispatcher: `http://127.0.0.1:${c.dispatcher.metricsPort}/metrics`,
      console: `http://127.0.0.1:${c.console.port}/metrics`,
    };
    pages = {};
    unauthenticated = {};
    for (const [name, url] of Object.entries(urls)) {
      unauthenticated[name] = (await scrape(url)).status;
      const res = await scrape(url, METRICS_TOKEN);
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      pages[name] = res.text;
    }
  }, 600000);

  afterAll(async () => {
    await ops?.stop();
  });

  it('every process refuses a scrape without the bearer token of NEFOS_METRICS_TOKEN', () => {
    expect(unauthenticated).toEqual({
      api: 401,
      master: 401,
      eventd: 401,
      dispatcher: 401,
      console: 401,
    });
  });

  it.each(['api', 'master', 'eventd', 'dispatcher', 'console'])(
    '%s: promtool check metrics finds nothing to fix',
    (name) => {
      expect(promtool(pages[name])).toBe('');
    },
  );

  it('api: requests by route template and status, RAPI calls by backend', () => {
    const t = pages.api;
    expect(
      sample(t, 'nefos_http_requests_total', {
        method: 'POST',
        route: '/compute/v2.1/servers',
        status: '202',
      }),
    ).toBe(2);
    expect(
      sample(t, 'nefos_http_requests_total', {
        method: 'GET',
        route: '/compute/v2.1/servers/:id',
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(t, 'nefos_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/compute/v2.1/servers',
        status: '202',
      }),
    ).toBe(2);
    expect(t).not.toMatch(/route="[^"]*[0-9a-f]{8}-[0-9a-f]{4}-/); // never a raw id as a label
    expect(
      sample(t, 'nefos_rapi_request_duration_seconds_count', {
        backend: 'nefos-local',
        method: 'POST',
        endpoint: '/2/instances',
        code: '200',
      }),
    ).toBe(2);
    expect(
      sample(t, 'nefos_rapi_request_duration_seconds_count', {
        backend: 'nefos-local',
        method: 'PUT',
        endpoint: '/2/instances/:name/shutdown',
        code: '200',
      }),
    ).toBe(1);
  });

  it('api: servers by state per backend, capacity of the backend and its node, queue depth', () => {
    const t = pages.api;
    expect(sample(t, 'nefos_servers', { backend: 'nefos-local', state: 'STARTED' })).toBe(1);
    expect(sample(t, 'nefos_servers', { backend: 'nefos-local', state: 'STOPPED' })).toBe(1);
    expect(sample(t, 'nefos_servers', { backend: 'nefos-local', state: 'BUILD' })).toBe(0);
    expect(sample(t, 'nefos_servers_stuck', { backend: 'nefos-local', reason: 'build' })).toBe(0);
    expect(sample(t, 'nefos_backend_memory_bytes', { backend: 'nefos-local' })).toBeGreaterThan(0);
    expect(sample(t, 'nefos_backend_cpus_free', { backend: 'nefos-local' })).toBeLessThan(
      sample(t, 'nefos_backend_cpus', { backend: 'nefos-local' })!,
    );
    expect(sample(t, 'nefos_backend_drained', { backend: 'nefos-local' })).toBe(0);
    const node = /nefos_node_memory_free_bytes\{backend="nefos-local",node="([^"]+)"\}/.exec(
      t,
    )?.[1];
    expect(node).toBeDefined();
    expect(
      sample(t, 'nefos_node_disk_bytes', { backend: 'nefos-local', node: node! }),
    ).toBeGreaterThan(0);
    expect(sample(t, 'nefos_node_instances', { backend: 'nefos-local', node: node! })).toBe(2);
    expect(
      sample(t, 'nefos_queue_jobs', { queue: 'events.op', state: 'completed' }),
    ).toBeGreaterThan(0);
    expect(sample(t, 'nefos_queue_dead_letters')).toBe(0);
  });

  it('master: jobs by opcode and status, durations, queue length and workers', () => {
    const t = pages.master;
    expect(
      sample(t, 'nefos_master_jobs_total', { opcode: 'OP_INSTANCE_CREATE', status: 'success' }),
    ).toBe(2);
    expect(
      sample(t, 'nefos_master_jobs_total', { opcode: 'OP_INSTANCE_SHUTDOWN', status: 'success' }),
    ).toBe(1);
    expect(
      sample(t, 'nefos_master_job_duration_seconds_count', { opcode: 'OP_INSTANCE_CREATE' }),
    ).toBe(2);
    expect(t).toMatch(/^nefos_master_job_queue_length\{status="queued"\} \d+/m);
    expect(sample(t, 'nefos_master_running_workers')).not.toBeNull();
  });

  it('eventd: events published per type and status, lag from the backend timestamp', () => {
    const t = pages.eventd;
    expect(
      sample(t, 'nefos_eventd_events_published_total', { type: 'op', status: 'success' }),
    ).toBeGreaterThanOrEqual(3);
    expect(sample(t, 'nefos_eventd_event_lag_seconds_count')).toBeGreaterThanOrEqual(3);
  });

  it('dispatcher: messages processed per queue and outcome, event-to-database latency', () => {
    const t = pages.dispatcher;
    expect(t).toMatch(
      /^nefos_dispatcher_messages_processed_total\{queue="events\.op",outcome="applied"\} [1-9]/m,
    );
    expect(
      sample(t, 'nefos_dispatcher_event_to_db_seconds_count', { queue: 'events.op' }),
    ).toBeGreaterThanOrEqual(3);
    expect(sample(t, 'nefos_queue_dead_letters')).toBe(0);
  });

  it('console: open sessions and connections', () => {
    expect(sample(pages.console, 'nefos_console_sessions')).toBe(0);
    expect(sample(pages.console, 'nefos_console_connections')).toBe(0);
  });

  it('carries the request id of a create from the API log into its job, events and state change', async () => {
    const log = ops.stack.output();
    const apiLine = log
      .split('\n')
      .find((l) => l.includes(created.requestId) && l.includes('"process":"api"'));
    expect(JSON.parse(apiLine!)).toMatchObject({
      requestId: created.requestId,
      route: '/compute/v2.1/servers',
      status: 202,
    });
    // One grep: the dispatcher's state change carries the same id (eventd read it from the job).
    const dispatcherLine = log
      .split('\n')
      .find((l) => l.includes(created.requestId) && l.includes('"process":"dispatcher"'));
    expect(JSON.parse(dispatcherLine!)).toMatchObject({
      requestId: created.requestId,
      msg: 'server state changed',
      to: 'STARTED',
    });
    const trail = await ops.call('GET', `/admin/api/servers/${created.id}/trail`);
    const chain = trail.body.requests.find(
      (r: { requestId: string }) => r.requestId === created.requestId,
    );
    expect(chain.sources).toEqual(expect.arrayContaining(['api', 'rapi', 'event', 'state']));
    const job = trail.body.jobs.find((j: { jobId: number }) => j.jobId === chain.jobIds[0]);
    expect(job.status).toBe('success');
    const listed = await ops.call('GET', '/admin/api/jobs?limit=500');
    expect(listed.body.jobs.find((j: { id: number }) => j.id === chain.jobIds[0]).requestId).toBe(
      created.requestId,
    );
  });

  describe('docs/grafana/nefos.json', () => {
    it('holds PromQL that promtool parses (as recording rules)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'nefos-grafana-'));
      try {
        const rules = {
          groups: [
            {
              name: 'dashboard',
              rules: dashboardExprs.map((expr, i) => ({
                record: `nefos:dashboard:${i}`,
                expr: expr.replace(/\$__rate_interval/g, '5m').replace(/\$backend/g, '.*'),
              })),
            },
          ],
        };
        const file = join(dir, 'rules.yml'); // JSON is YAML
        writeFileSync(file, JSON.stringify(rules));
        expect(() =>
          execFileSync('promtool', ['check', 'rules', file], { stdio: 'pipe' }),
        ).not.toThrow();
        expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('uses only series that some process declares', () => {
      const declared = new Set(
        Object.values(pages).flatMap((t) => [...t.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1])),
      );
      const used = new Set(
        dashboardExprs.flatMap((e) => [...e.matchAll(/\b(nefos_[a-z0-9_]+)/g)].map((m) => m[1])),
      );
      const missing = [...used].filter(
        (name) => !declared.has(name.replace(/_(bucket|count|sum)$/, '')),
      );
      expect(missing).toEqual([]);
      expect(used.size).toBeGreaterThan(40);
    });
  });
});
