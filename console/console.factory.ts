import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Logger } from 'pino';
import { PinoNestLogger, type NefosConfig } from '@nefos/contracts';
import { ConsoleModule } from './console.module';
import { ConsoleProxyServer } from './proxy/console-proxy.server';

/** Builds the proxy and opens its port (used by main.ts and by the in-process tests). */
export async function startConsoleProxy(
  config: NefosConfig,
  logger: Logger,
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(ConsoleModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
  });
  await app.get(ConsoleProxyServer).listen();
  return app;
}
