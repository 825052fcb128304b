import Redis from 'ioredis';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { startProcess, type RunningProcess } from '../support/processes';
import { eventually } from '../events/support/queues';

/** Sum of a counter's samples on a Prometheus text page. */
function total(page: string, name: string): number {
  return page
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

describe('npm start scaled out (NEFOS_API_REPLICAS=2, NEFOS_DISPATCHER_REPLICAS=2)', () => {
  let env: TestEnv;
  let stack: RunningProcess;
  let replicas: Record<string, number>;

  beforeAll(async () => {
    env = await createTestEnv({
      NEFOS_HYPERVISOR: 'test',
      NEFOS_API_REPLICAS: '2',
      NEFOS_DISPATCHER_REPLICAS: '2',
    });
    stack = startProcess('dist/stack/main.js', env.env);
    const banner = await stack.waitFor(/Nefos is running\.\n\s+processes:.*/, 600000);
    replicas = Object.fromEntries(
      [...banner.matchAll(/(api-\d|dispatcher-\d) \(:(\d+)\)/g)].map((m) => [m[1], Number(m[2])]),
    );
  }, 900000);
  afterAll(async () => {
    await stack?.stop('SIGTERM', 120000);
    await env?.cleanup();
  });

  it('names each API and dispatcher process with its own port', () => {
    expect(Object.keys(replicas).sort()).toEqual([
      'api-1',
      'api-2',
      'dispatcher-1',
      'dispatcher-2',
    ]);
    expect(replicas['dispatcher-1']).toBe(env.config.dispatcher.metricsPort);
  });

  it('spreads requests to the public URL over both APIs', async () => {
    const base = env.config.api.publicUrl;
    const login = await fetch(`${base}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: {
                name: 'admin',
                domain: { id: 'default' },
                password: env.env.NEFOS_ADMIN_PASSWORD,
              },
            },
          },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      }),
    });
    expect(login.status).toBe(201);
    const token = login.headers.get('x-subject-token')!;
    // A token issued through one API is good on the other: every request after it succeeds.
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${base}/compute/v2.1/flavors`, {
        headers: { 'X-Auth-Token': token },
      });
      expect(res.status).toBe(200);
    }
    for (const api of ['api-1', 'api-2']) {
      const page = await (await fetch(`http://127.0.0.1:${replicas[api]}/metrics`)).text();
      expect([api, total(page, 'nefos_http_requests_total') > 0]).toEqual([api, true]);
    }
  });

  it('runs both dispatchers on the same queues', async () => {
    for (const d of ['dispatcher-1', 'dispatcher-2']) {
      const res = await fetch(`http://127.0.0.1:${replicas[d]}/metrics`);
      expect([d, res.status]).toEqual([d, 200]);
    }
    const redis = new Redis(env.redisUrl);
    try {
      const alive = await eventually(
        'two dispatcher liveness keys',
        async () => {
          const keys = await redis.keys(`${env.redisPrefix}:liveness:dispatcher:*`);
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
});
