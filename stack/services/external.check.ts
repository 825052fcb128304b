import { Client } from 'pg';
import Redis from 'ioredis';
import { waitFor } from './process-utils';

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** A configured database that does not answer is an error after a bounded wait, never a fallback. */
export async function waitForPostgres(url: string, timeoutMs: number): Promise<void> {
  let last = '';
  await waitFor(`DATABASE_URL ${redact(url)} is unreachable`, timeoutMs, async () => {
    const c = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch (err) {
      last = (err as Error).message;
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  }).catch((err: Error) => {
    throw new Error(`${err.message}${last ? ` (last error: ${last})` : ''}`);
  });
}

export async function waitForRedis(url: string, timeoutMs: number): Promise<void> {
  let last = '';
  await waitFor(`REDIS_URL ${redact(url)} is unreachable`, timeoutMs, async () => {
    const r = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 3000,
    });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return (await r.ping()) === 'PONG';
    } catch (err) {
      last = (err as Error).message;
      return false;
    } finally {
      r.disconnect();
    }
  }).catch((err: Error) => {
    throw new Error(`${err.message}${last ? ` (last error: ${last})` : ''}`);
  });
}
