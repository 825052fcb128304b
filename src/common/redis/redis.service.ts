import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { createRedis, NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';

/** The API's Redis connection (rate limits, caches), behind one class. */
@Injectable()
export class RedisService implements OnModuleDestroy {
  readonly client: Redis;
  readonly prefix: string;

  constructor(@Inject(NEFOS_CONFIG) config: NefosConfig) {
    this.client = createRedis(config, { maxRetriesPerRequest: 2, lazyConnect: false });
    this.client.on('error', () => undefined); // state is reported by ping(); ioredis reconnects
    this.prefix = `${config.redis.prefix}:api:`;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.client.disconnect();
  }
}
