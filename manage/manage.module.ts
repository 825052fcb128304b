import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConfigModule, LoggerModule, RapiModule, type NefosConfig } from '@nefos/contracts';
import { DatabaseModule } from '@nefos/database';
import { BackendsCommandsModule } from './commands/backends/backends.commands.module';
import { EventsCommandsModule } from './commands/events/events.commands.module';
import { FlavorsCommandsModule } from './commands/flavors/flavors.commands.module';
import { ImagesCommandsModule } from './commands/images/images.commands.module';
import { IdentityCommandsModule } from './commands/identity/identity.commands.module';
import { QuotasCommandsModule } from './commands/quotas/quotas.commands.module';
import { NodesCommandsModule } from './commands/nodes/nodes.commands.module';
import { ServersCommandsModule } from './commands/servers/servers.commands.module';

/** nefos-manage: one module per domain of commands under manage/commands/. */
@Module({})
export class ManageModule {
  static forRoot(config: NefosConfig, logger: Logger): DynamicModule {
    return {
      module: ManageModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(logger),
        DatabaseModule,
        RapiModule,
        BackendsCommandsModule,
        EventsCommandsModule,
        FlavorsCommandsModule,
        ImagesCommandsModule,
        IdentityCommandsModule,
        QuotasCommandsModule,
        NodesCommandsModule,
        ServersCommandsModule,
      ],
    };
  }
}
