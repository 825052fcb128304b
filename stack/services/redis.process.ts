import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { generateSecret } from '@nefos/contracts';
import {
  aptInstall,
  assertPortFree,
  commandExists,
  serviceLog,
  spawnChild,
  stopChild,
  waitFor,
} from './process-utils';

export interface PrivateRedis {
  url: string;
  password: string;
  stop(): Promise<void>;
}

/** A private Redis with an append-only file in `<dir>`, so queued events survive a restart. */
export async function startPrivateRedis(
  dir: string,
  port: number,
  password: string | undefined,
  log: (m: string) => void,
): Promise<PrivateRedis> {
  if (!commandExists('redis-server')) aptInstall(['redis-server'], log);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await assertPortFree(port, '127.0.0.1', 'NEFOS_REDIS_PORT');
  const pw = password ?? generateSecret(24);
  let exited: string | null = null;
  const child: ChildProcess = spawnChild(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--requirepass',
      pw,
      '--maxmemory-policy',
      'noeviction',
      '--loglevel',
      'warning',
    ],
    {},
    serviceLog(join(dir, 'redis.log'), 'redis', log),
  );
  child.once('exit', (code, signal) => (exited = `redis-server exited (${signal ?? code})`));
  const url = `redis://:${encodeURIComponent(pw)}@127.0.0.1:${port}/0`;
  await waitFor(
    'private Redis',
    30000,
    async () => {
      const r = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    },
    () => exited,
  );
  return { url, password: pw, stop: () => stopChild(child, 'SIGTERM', 10000) };
}
