import { startTestServices, type TestServices } from './test-services';

declare global {
  var __nefosTestServices: TestServices | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (globalThis.__nefosTestServices) return; // medium and e2e projects share one set
  const services = await startTestServices();
  globalThis.__nefosTestServices = services;
  // Workers are forked after this and inherit these.
  process.env.NEFOS_TEST_ADMIN_DATABASE_URL = services.adminDatabaseUrl;
  process.env.NEFOS_TEST_TEMPLATE_DATABASE = services.templateDatabase;
  process.env.NEFOS_TEST_REDIS_URL = services.redisUrl;
}
