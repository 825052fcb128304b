import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

/** Extends a round's lock only while this holder still has it. */
const RENEW_IF_OURS =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";

/**
 * One round of a periodic task among several dispatchers: the first to take the Redis key runs
 * it; the key lasts about one interval, so the others skip their timers' ticks in that interval,
 * and it is renewed while a round outlasts the interval, so two rounds never overlap.
 */
export class RoundLock {
  private readonly owner = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Runs `fn` when this process wins the round; false when another holder has it. */
  async run(name: string, intervalSeconds: number, fn: () => Promise<void>): Promise<boolean> {
    const key = `${this.prefix}:lock:${name}`;
    const ttl = Math.max(1000, intervalSeconds * 1000 - 500);
    const got = await this.redis.set(key, this.owner, 'PX', ttl, 'NX').catch(() => null);
    if (got !== 'OK') return false;
    const renew = setInterval(
      () => void this.redis.eval(RENEW_IF_OURS, 1, key, this.owner, ttl).catch(() => undefined),
      Math.max(300, Math.floor(ttl / 3)),
    );
    try {
      await fn();
    } finally {
      clearInterval(renew);
    }
    return true;
  }
}
