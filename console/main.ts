import { createLogger, loadConfigOrExit } from '@nefos/contracts';
import { startConsoleProxy } from './console.factory';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, 'console');
  const app = await startConsoleProxy(config, logger);
  const scheme = config.console.tlsCert ? 'https' : 'http';
  logger.info(
    { port: config.console.port, scheme, url: config.console.publicUrl },
    'console proxy listening',
  );
  // Open consoles are told the proxy is going away (1001) before the process exits.
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'console proxy stopping');
    app.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err }, 'console proxy did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`nefos console: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
