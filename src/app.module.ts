import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { ConfigModule, LoggerModule, RapiModule, type NefosConfig } from '@nefos/contracts';
import { DatabaseModule } from '@nefos/database';
import { FaultFilter } from './common/errors/fault.filter';
import { RedisModule } from './common/redis/redis.module';
import { HealthModule } from './health/health.module';
import { AuthModule } from './identity/auth/auth.module';
import { ComputeModule } from './compute/compute.module';
import { IdentityModule } from './identity/identity.module';
import { QuotasModule } from './quotas/quotas.module';
import { ConsolesModule } from './consoles/consoles.module';
import { MetricsModule } from './metrics/metrics.module';
import { AdminModule } from './admin/admin.module';

/** The API process: identity, compute, images, networks, admin. Domain modules register here. */
@Module({})
export class AppModule {
  static forRoot(config: NefosConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(logger),
        DatabaseModule,
        RedisModule,
        RapiModule,
        AuthModule,
        IdentityModule,
        QuotasModule,
        ComputeModule,
        ConsolesModule,
        HealthModule,
        MetricsModule,
        AdminModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: FaultFilter }],
    };
  }
}
