import type { NestExpressApplication } from '@nestjs/platform-express';
import pino from 'pino';
import { createApiApp } from '../../src/app.factory';
import type { TestEnv } from './test-env';

/** The API application in-process (for supertest), with the test env's config. */
export async function createTestApiApp(env: TestEnv): Promise<NestExpressApplication> {
  const app = await createApiApp(env.config, pino({ level: 'silent' }));
  await app.init();
  return app;
}
