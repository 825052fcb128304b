import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestEnv, freePort, type TestEnv } from '../support/test-env';
import { startProcess, type RunningProcess } from '../support/processes';

const PORT_VARIABLES = [
  'NEFOS_API_PORT',
  'NEFOS_RAPI_PORT',
  'NEFOS_CONSOLE_PORT',
  'NEFOS_MASTER_METRICS_PORT',
  'NEFOS_EVENTD_METRICS_PORT',
  'NEFOS_DISPATCHER_METRICS_PORT',
  'NEFOS_PG_PORT',
  'NEFOS_REDIS_PORT',
];

/** The environment of a user who set nothing but ports (fresh ones, so tests do not clash). */
async function freshUserEnv(env: TestEnv): Promise<Record<string, string>> {
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...rest } = env.env;
  const ports = Object.fromEntries(
    await Promise.all(PORT_VARIABLES.map(async (v) => [v, String(await freePort())])),
  );
  return { ...rest, ...ports };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start (the stack launcher)', () => {
  let env: TestEnv;
  const started: RunningProcess[] = [];
  const start = (e: Record<string, string>): RunningProcess => {
    const p = startProcess('dist/stack/main.js', e);
    started.push(p);
    return p;
  };
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop('SIGTERM')));
  });
  afterAll(() => env.cleanup());

  it('starts private Postgres and Redis, keeps rows across a restart, and leaves no process behind', async () => {
    const userEnv = await freshUserEnv(env);
    const first = start(userEnv);
    await first.waitFor(/Nefos is running/);
    const services = JSON.parse(readFileSync(join(env.dataDir, 'services.json'), 'utf8')) as {
      databaseUrl: string;
    };
    const pgPid = Number(
      readFileSync(join(env.dataDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    expect(pidAlive(pgPid)).toBe(true);

    const health = await fetch(`http://127.0.0.1:${userEnv.NEFOS_API_PORT}/healthz`);
    const body = (await health.json()) as { dependencies: Array<{ name: string; ok: boolean }> };
    expect(body.dependencies.find((d) => d.name === 'postgres')?.ok).toBe(true);
    expect(body.dependencies.find((d) => d.name === 'redis')?.ok).toBe(true);

    const db = new Client({ connectionString: services.databaseUrl });
    await db.connect();
    await db.query(
      `INSERT INTO "SystemState" (key, value, "updatedAt") VALUES ('restart-probe', '"before"', now())`,
    );
    const admins = await db.query(`SELECT name FROM "User"`);
    await db.end();
    expect(admins.rows.map((r) => r.name)).toEqual(['admin']);

    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(pidAlive(pgPid)).toBe(false);
    expect(existsSync(join(env.dataDir, 'postgres', 'data', 'postmaster.pid'))).toBe(false);

    const second = start(userEnv);
    await second.waitFor(/Nefos is running/);
    expect(second.output()).not.toMatch(/first run/);
    const again = new Client({ connectionString: services.databaseUrl });
    await again.connect();
    const probe = await again.query(`SELECT value FROM "SystemState" WHERE key = 'restart-probe'`);
    const users = await again.query(`SELECT count(*)::int AS n FROM "User"`);
    await again.end();
    expect(probe.rows).toEqual([{ value: 'before' }]);
    expect(users.rows[0].n).toBe(1);
    expect(await second.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('fails with a clear message when DATABASE_URL is set but unreachable', async () => {
    const port = await freePort();
    const p = start({
      ...(await freshUserEnv(env)),
      DATABASE_URL: `postgresql://nobody@127.0.0.1:${port}/nefos`,
      NEFOS_SERVICE_WAIT_MS: '1500',
    });
    expect((await p.exited()).code).toBe(1);
    expect(p.output()).toMatch(
      /DATABASE_URL postgresql:\/\/nobody@127\.0\.0\.1:\d+\/nefos is unreachable: not ready after 2 s/,
    );
  });

  it('names the port and the variable when a port is taken', async () => {
    const userEnv: Record<string, string> = {
      ...(await freshUserEnv(env)),
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
    };
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(Number(userEnv.NEFOS_API_PORT), '127.0.0.1', r));
    try {
      const p = start(userEnv);
      expect((await p.exited()).code).toBe(1);
      expect(p.output()).toMatch(
        new RegExp(`port ${userEnv.NEFOS_API_PORT} is already in use; .* set NEFOS_API_PORT`),
      );
    } finally {
      blocker.close();
    }
  });

  it('stops with a message naming the variable when a setting is wrong', async () => {
    const p = start({ NEFOS_API_PORT: 'http' });
    expect((await p.exited()).code).toBe(78);
    expect(p.output()).toMatch(/NEFOS_API_PORT="http": expected a port number/);
  });
});
