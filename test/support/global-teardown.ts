export default async function globalTeardown(): Promise<void> {
  const services = globalThis.__nefosTestServices;
  globalThis.__nefosTestServices = undefined;
  await services?.stop();
}
