import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { PinoNestLogger, type NefosConfig } from '@nefos/contracts';
import { AppModule } from './app.module';
import { requestIdMiddleware } from './common/request/request-id.middleware';

/** Builds the API application (used by main.ts and by the HTTP tests). */
export async function createApiApp(
  config: NefosConfig,
  logger: Logger,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
  });
  app.disable('x-powered-by');
  // The client address (login rate limits, logs) comes from X-Forwarded-For only when the peer is
  // a trusted balancer: loopback by default, the one `npm start` runs for several API replicas.
  app.set('trust proxy', config.api.trustProxy);
  app.use(requestIdMiddleware);
  // OpenStack clients send JSON; strict mode turns a bare string or number body into a 400.
  app.useBodyParser('json', {
    limit: '1mb',
    strict: true,
    type: ['application/json', 'application/*+json'],
  });
  app.enableShutdownHooks();
  return app;
}
