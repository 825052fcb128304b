import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { migrate } from '@nefos/database';
import { waitForPostgres, waitForRedis } from '../../stack/services/external.check';
import { startPrivatePostgres } from '../../stack/services/postgres.process';
import { startPrivateRedis } from '../../stack/services/redis.process';
import { freePort } from './processes';
import { onCleanup } from './lifecycle';
import { progress } from './report';

export interface BenchDatabase {
  /** Postgres URL of the benchmark's own, migrated database. */
  url: string;
  redisUrl: string;
  /** Key prefix of everything this run puts in Redis. */
  redisPrefix: string;
  runId: string;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Postgres and Redis for one benchmark run: `DATABASE_URL` / `REDIS_URL` when set (the database
 * user needs CREATEDB), else private instances under a temporary directory, started as `npm start`
 * starts them. The run gets its own migrated database and Redis key prefix; all of it is removed
 * when the benchmark ends.
 */
export async function benchDatabase(bench: string): Promise<BenchDatabase> {
  const runId = randomBytes(4).toString('hex');
  const log = (m: string): void => progress(bench, m);
  let adminUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!adminUrl || !redisUrl) {
    const dir = mkdtempSync(join(tmpdir(), `nefos-bench-services-${runId}-`));
    chmodSync(dir, 0o755); // the private Postgres runs as the postgres user
    onCleanup('services dir', () => rmSync(dir, { recursive: true, force: true }));
    if (!adminUrl) {
      log('DATABASE_URL is not set: starting a private PostgreSQL');
      const pg = await startPrivatePostgres(
        join(dir, 'postgres'),
        await freePort(),
        undefined,
        log,
      );
      onCleanup('private PostgreSQL', () => pg.stop());
      adminUrl = pg.url;
    }
    if (!redisUrl) {
      log('REDIS_URL is not set: starting a private Redis');
      const redis = await startPrivateRedis(join(dir, 'redis'), await freePort(), undefined, log);
      onCleanup('private Redis', () => redis.stop());
      redisUrl = redis.url;
    }
  } else {
    await waitForPostgres(adminUrl, 15000);
    await waitForRedis(redisUrl, 15000);
  }
  const database = `nefos_bench_${runId}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const adminForDrop = adminUrl;
  onCleanup(`database ${database}`, async () => {
    const c = new Client({ connectionString: adminForDrop });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await c.end();
  });
  const url = withDatabase(adminUrl, database);
  await migrate(url);
  const redisPrefix = `nefos-bench-${runId}`;
  const redisForCleanup = redisUrl;
  onCleanup(`Redis keys ${redisPrefix}*`, async () => {
    const r = new Redis(redisForCleanup, { lazyConnect: true, maxRetriesPerRequest: 1 });
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
  });
  return { url, redisUrl, redisPrefix, runId };
}
