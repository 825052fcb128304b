import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { PrismaClient } from './generated/prisma/client';

export function createPrismaClient(databaseUrl: string, max = 10): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max }) });
}

/** The one Prisma client of a process. Repositories take this; services take repositories. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(NEFOS_CONFIG) config: NefosConfig) {
    if (!config.database.url) {
      throw new Error(
        'DATABASE_URL is not set and no private database is recorded; start the stack with `npm start` or set DATABASE_URL',
      );
    }
    super({
      adapter: new PrismaPg({
        connectionString: config.database.url,
        max: config.database.poolMax,
      }),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
