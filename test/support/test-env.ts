import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { loadConfig, type NefosConfig } from '../../libs/contracts/src/config';
import { freePort } from './net';
import { withDatabase } from './test-services';

export interface TestEnv {
  /** Environment for spawned processes and for `loadConfig`. */
  env: Record<string, string>;
  config: NefosConfig;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  dataDir: string;
  cleanup(): Promise<void>;
}

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this test through jest's medium or e2e project`);
  return v;
}

export { freePort };

/**
 * The scaled-out test run (`npm test` runs the lifecycle suites a second time with these):
 * NEFOS_TEST_API_REPLICAS APIs behind the round-robin balancer and NEFOS_TEST_DISPATCHER_REPLICAS
 * dispatchers, for the stack launcher and the event pipeline alike.
 */
function scaleOut(): Record<string, string> {
  const out: Record<string, string> = {};
  const api = process.env.NEFOS_TEST_API_REPLICAS;
  const dispatchers = process.env.NEFOS_TEST_DISPATCHER_REPLICAS;
  if (api) out.NEFOS_API_REPLICAS = api;
  if (dispatchers) out.NEFOS_DISPATCHER_REPLICAS = dispatchers;
  return out;
}

/**
 * An isolated world for one test file: its own database (cloned from the migrated template),
 * its own Redis key prefix, its own data dir and free ports.
 */
export async function createTestEnv(extra: Record<string, string> = {}): Promise<TestEnv> {
  const adminUrl = need('NEFOS_TEST_ADMIN_DATABASE_URL');
  const template = need('NEFOS_TEST_TEMPLATE_DATABASE');
  const redisUrl = need('NEFOS_TEST_REDIS_URL');
  const id = randomBytes(5).toString('hex');
  const database = `nefos_t_${id}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${template}"`);
  await admin.end();
  const databaseUrl = withDatabase(adminUrl, database);
  const dataDir = mkdtempSync(join(tmpdir(), `nefos-test-${id}-`));
  chmodSync(dataDir, 0o755); // a private Postgres runs as the postgres user and must enter it
  const redisPrefix = `nefos-t-${id}`;
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    NEFOS_REDIS_PREFIX: redisPrefix,
    NEFOS_DATA_DIR: dataDir,
    NEFOS_HYPERVISOR: 'test',
    NEFOS_API_PORT: String(ports[0]),
    NEFOS_RAPI_PORT: String(ports[1]),
    NEFOS_CONSOLE_PORT: String(ports[2]),
    NEFOS_MASTER_METRICS_PORT: String(ports[3]),
    NEFOS_EVENTD_METRICS_PORT: String(ports[4]),
    NEFOS_DISPATCHER_METRICS_PORT: String(ports[5]),
    NEFOS_LISTEN_HOST: '127.0.0.1',
    NEFOS_LOG_FORMAT: 'json',
    NEFOS_LOG_LEVEL: 'warn',
    NEFOS_RAPI_PASSWORD: 'test-rapi-password',
    NEFOS_ADMIN_PASSWORD: 'test-admin-password',
    ...scaleOut(),
    ...extra,
  };
  const config = loadConfig(env);
  return {
    env,
    config,
    databaseUrl,
    redisUrl,
    redisPrefix,
    dataDir,
    cleanup: async () => {
      const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await r.connect();
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await r.del(...keys);
        } while (cursor !== '0');
      } finally {
        r.disconnect();
      }
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
