import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { readMigrations, migrate } from '../../libs/database/src/migrations/migration-runner';
import { startPrivatePostgres } from '../../stack/services/postgres.process';
import { startPrivateRedis } from '../../stack/services/redis.process';
import { waitForPostgres, waitForRedis } from '../../stack/services/external.check';
import { freePort } from './net';

/**
 * Postgres and Redis for the medium and e2e tiers: DATABASE_URL / REDIS_URL when set (the
 * database user needs CREATEDB), else private instances under .run/test-services, as `npm start`
 * would start them on a fresh machine.
 */
export interface TestServices {
  adminDatabaseUrl: string;
  templateDatabase: string;
  redisUrl: string;
  stop(): Promise<void>;
}

/**
 * Each Jest run gets its own private instances (own temp dir, free ports), so that several runs on
 * one machine never share or stop each other's services.
 */
export async function startTestServices(): Promise<TestServices> {
  const stops: Array<() => Promise<void>> = [];
  const log = (m: string): void => {
    if (/error|fatal/i.test(m)) process.stderr.write(`[test-services] ${m}\n`);
  };
  let adminDatabaseUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;
  const dir = mkdtempSync(join(tmpdir(), 'nefos-test-services-'));
  chmodSync(dir, 0o755); // the private Postgres runs as the postgres user
  stops.push(async () => rmSync(dir, { recursive: true, force: true }));
  if (adminDatabaseUrl) {
    await waitForPostgres(adminDatabaseUrl, 15000);
  } else {
    const pg = await startPrivatePostgres(
      join(dir, 'postgres'),
      await freePort(),
      'nefos-test',
      log,
    );
    stops.push(pg.stop);
    adminDatabaseUrl = pg.url;
  }
  if (redisUrl) {
    await waitForRedis(redisUrl, 15000);
  } else {
    const redis = await startPrivateRedis(join(dir, 'redis'), await freePort(), 'nefos-test', log);
    stops.push(redis.stop);
    redisUrl = redis.url;
  }
  // A migrated template per migration set: each test file clones it in a few milliseconds.
  const digest = createHash('sha256')
    .update(
      readMigrations()
        .map((m) => m.checksum)
        .join(),
    )
    .digest('hex')
    .slice(0, 12);
  const templateDatabase = `nefos_template_${digest}`;
  const admin = new Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      templateDatabase,
    ]);
    if (!rowCount) {
      const building = `${templateDatabase}_build_${process.pid}`;
      await admin.query(`CREATE DATABASE "${building}"`);
      await migrate(withDatabase(adminDatabaseUrl, building));
      await admin
        .query(`ALTER DATABASE "${building}" RENAME TO "${templateDatabase}"`)
        .catch(async () => {
          await admin.query(`DROP DATABASE IF EXISTS "${building}"`); // another run won the race
        });
    }
  } finally {
    await admin.end();
  }
  return {
    adminDatabaseUrl,
    templateDatabase,
    redisUrl,
    stop: async () => {
      for (const s of stops.reverse()) await s();
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
