import { DynamicModule, Global, Module } from '@nestjs/common';
import type { NefosConfig } from './config.types';

export const NEFOS_CONFIG = Symbol('NEFOS_CONFIG');

/**
 * Provides the one typed config object; inject with `@Inject(NEFOS_CONFIG)`.
 * Entry points load it before Nest boots (so a bad value stops the process with a clear message),
 * tests build one with `loadConfig(env)`.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: NefosConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: NEFOS_CONFIG, useValue: config }],
      exports: [NEFOS_CONFIG],
    };
  }
}
