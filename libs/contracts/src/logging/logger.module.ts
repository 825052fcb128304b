import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { NEFOS_LOGGER } from './logger';

@Global()
@Module({})
export class LoggerModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggerModule,
      providers: [{ provide: NEFOS_LOGGER, useValue: logger }],
      exports: [NEFOS_LOGGER],
    };
  }
}
