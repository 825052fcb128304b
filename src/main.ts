import { createLogger, loadConfigOrExit } from '@nefos/contracts';
import { createApiApp } from './app.factory';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, 'api');
  const app = await createApiApp(config, logger);
  await app.listen(config.api.port, config.listenHost);
  logger.info({ port: config.api.port, url: config.api.publicUrl }, 'API listening');
}

main().catch((err: Error) => {
  process.stderr.write(`nefos api: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
