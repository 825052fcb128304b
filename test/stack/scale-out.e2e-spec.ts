import Redis from 'ioredis';
import { startOpsStack, type OpsStack } from '../ops/support/ops-stack';
import { eventually } from '../events/support/queues';

/** Sum of a counter's samples on a Prometheus text page. */
function total(page: string, name: string): number {
  return page
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

describe('npm start scaled out (NEFOS_API_REPLICAS=2, NEFOS_DISPATCHER_REPLICAS=2)', () => {
  let s: OpsStack;
  let replicas: Record<string, number>;

  beforeAll(async () => {
    s = await startOpsStack({ NEFOS_API_REPLICAS: '2', NEFOS_DISPATCHER_REPLICAS: '2' });
    const banner = /processes:.*/.exec(s.stack.output())![0];
    replicas = Object.fromEntries(
      [...banner.matchAll(/(api-\d|dispatcher-\d) \(:(\d+)\)/g)].map((m) => [m[1], Number(m[2])]),
    );
  }, 900000);
  afterAll(() => s?.stop());

  it('names each API and dispatcher process with its own port', () => {
    expect(Object.keys(replicas).sort()).toEqual([
      'api-1',
      'api-2',
      'dispatcher-1',
      'dispatcher-2',
    ]);
    expect(replicas['dispatcher-1']).toBe(s.env.config.dispatcher.metricsPort);
  });

  it('spreads requests to the public URL over both APIs, and a token from one works on the other', async () => {
    for (let i = 0; i < 6; i++)
      expect((await s.call('GET', '/compute/v2.1/flavors')).status).toBe(200);
    for (const api of ['api-1', 'api-2']) {
      const page = await (await fetch(`http://127.0.0.1:${replicas[api]}/metrics`)).text();
      expect([api, total(page, 'nefos_http_requests_total') > 0]).toEqual([api, true]);
    }
  });

  it('builds a server through the balancer and the two dispatchers', async () => {
    const { id } = await s.createServer('scaled');
    await s.waitForStatus(id, 'ACTIVE', 180_000);
    const redis = new Redis(s.env.redisUrl);
    try {
      const alive = await eventually(
        'two dispatcher liveness keys',
        async () => {
          const keys = await redis.keys(`${s.env.redisPrefix}:liveness:dispatcher:*`);
          return keys.length === 2 && keys;
        },
        60_000,
        500,
      );
      expect(alive).toHaveLength(2);
    } finally {
      redis.disconnect();
    }
  });

  it("streams the dashboard's live updates through the balancer", async () => {
    const controller = new AbortController();
    const res = await fetch(`${s.api}/admin/api/stream`, {
      headers: { 'X-Auth-Token': await s.adminToken() },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: overview')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    controller.abort();
    expect(text).toContain('event: overview');
  });
});
