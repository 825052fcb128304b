import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, LoggerModule, type Logger, type NefosConfig } from '@nefos/contracts';
import { MasterDaemon } from './master.daemon';

@Module({})
export class MasterModule {
  static forRoot(config: NefosConfig, logger: Logger): DynamicModule {
    return {
      module: MasterModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(logger)],
      providers: [MasterDaemon],
    };
  }
}
