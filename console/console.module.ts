import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConfigModule, LoggerModule, type NefosConfig } from '@nefos/contracts';
import { ConsoleAccessRepository, ConsoleTokenRepository, DatabaseModule } from '@nefos/database';
import { ConsoleAdmissionService } from './admission/console-admission.service';
import { ConsoleMetrics } from './metrics/console.metrics';
import { ConsoleProxyServer } from './proxy/console-proxy.server';
import { ServerWatcher } from './sessions/server.watcher';
import { SessionRegistry } from './sessions/session.registry';
import { NovncAssets } from './static/novnc.assets';

/** The console proxy process: Postgres for tokens and servers, nothing else. */
@Module({})
export class ConsoleModule {
  static forRoot(config: NefosConfig, logger: Logger): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(logger), DatabaseModule],
      providers: [
        ConsoleTokenRepository,
        ConsoleAccessRepository,
        SessionRegistry,
        ConsoleAdmissionService,
        ConsoleMetrics,
        ServerWatcher,
        NovncAssets,
        ConsoleProxyServer,
      ],
    };
  }
}
