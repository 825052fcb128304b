import Redis, { type RedisOptions } from 'ioredis';
import type { NefosConfig } from '../config/config.types';

/**
 * Connection options for ioredis and BullMQ. BullMQ workers need `maxRetriesPerRequest: null`;
 * reconnects back off up to 2 s so a Redis restart is ridden out.
 */
export function redisOptions(
  config: Pick<NefosConfig, 'redis'>,
  extra: RedisOptions = {},
): RedisOptions & { url: string } {
  if (!config.redis.url) {
    throw new Error(
      'REDIS_URL is not set and no private Redis is recorded; start the stack with `npm start` or set REDIS_URL',
    );
  }
  return {
    url: config.redis.url,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...extra,
  };
}

export function createRedis(config: Pick<NefosConfig, 'redis'>, extra: RedisOptions = {}): Redis {
  const { url, ...opts } = redisOptions(config, extra);
  return new Redis(url, opts);
}

/** BullMQ `connection` option: a parsed URL, since BullMQ does not take one directly. */
export function bullConnection(config: Pick<NefosConfig, 'redis'>): RedisOptions {
  const { url, ...opts } = redisOptions(config);
  const u = new URL(url);
  return {
    ...opts,
    host: u.hostname,
    port: Number(u.port || 6379),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}
