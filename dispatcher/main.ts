import { NestFactory } from '@nestjs/core';
import { PinoNestLogger, createLogger, loadConfigOrExit } from '@nefos/contracts';
import { DispatcherModule } from './dispatcher.module';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, 'dispatcher');
  const app = await NestFactory.createApplicationContext(DispatcherModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
  });
  app.enableShutdownHooks();
}

main().catch((err: Error) => {
  process.stderr.write(`nefos dispatcher: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
