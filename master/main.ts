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
  // SIGHUP reloads the users file (the daemon handles it); only these two stop the master.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
}

main().catch((err: Error) => {
  process.stderr.write(`nefos master: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
