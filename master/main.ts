import { NestFactory } from '@nestjs/core';
import { PinoNestLogger, createLogger, loadConfigOrExit } from '@nefos/contracts';
import { runCli } from './cli/master.cli';
import { MasterModule } from './master.module';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const args = process.argv.slice(2);
  if (args.length > 0) {
    process.exit(await runCli(config, args));
  }
  const logger = createLogger(config, 'master');
  const app = await NestFactory.createApplicationContext(MasterModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
  });
  // SIGTERM/SIGINT: let running jobs finish (the daemon's shutdown hook), then exit 0.
  // SIGHUP is not a stop signal here: it reloads the RAPI users file.
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    app
      .close()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`nefos master: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
