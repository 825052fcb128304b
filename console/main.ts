import { createLogger, loadConfigOrExit } from '@nefos/contracts';
import { startConsoleProxy } from './console.factory';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, 'console');
  const app = await startConsoleProxy(config, logger);
  app.enableShutdownHooks();
  const scheme = config.console.tlsCert ? 'https' : 'http';
  logger.info(
    { port: config.console.port, scheme, url: config.console.publicUrl },
    'console proxy listening',
  );
}

main().catch((err: Error) => {
  process.stderr.write(`nefos console: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
