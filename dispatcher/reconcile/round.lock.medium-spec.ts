import { createRedis } from '@nefos/contracts';
import type { Redis } from 'ioredis';
import { createTestEnv, type TestEnv } from '../../test/support/test-env';
import { RoundLock } from './round.lock';

describe('RoundLock (periodic rounds among several dispatchers)', () => {
  let env: TestEnv;
  let redis: Redis[];
  beforeAll(async () => {
    env = await createTestEnv();
    redis = [createRedis(env.config), createRedis(env.config)];
  });
  afterAll(async () => {
    for (const r of redis) r.disconnect();
    await env.cleanup();
  });

  it('lets one of two dispatchers run a round and the other skip it', async () => {
    const [a, b] = redis.map((r) => new RoundLock(r, env.redisPrefix));
    const ran: string[] = [];
    const results = await Promise.all([
      a.run('once', 30, async () => void ran.push('a')),
      b.run('once', 30, async () => void ran.push('b')),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(ran).toHaveLength(1);
  });

  it('keeps a round that outlasts its interval to itself until it ends', async () => {
    const [a, b] = redis.map((r) => new RoundLock(r, env.redisPrefix));
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let aRunning = false;
    const first = a.run('long', 1, async () => {
      aRunning = true;
      await slow;
    });
    while (!aRunning) await new Promise((r) => setImmediate(r));
    // Past the one-second interval the first round still holds the lock: renewed, not expired.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await b.run('long', 1, async () => undefined)).toBe(false);
    release();
    expect(await first).toBe(true);
  });
});
