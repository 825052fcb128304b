import { NestFactory } from '@nestjs/core';
import { PinoNestLogger, createLogger, loadConfigOrExit } from '@nefos/contracts';
import { EventdModule } from './eventd.module';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, 'eventd');
  const app = await NestFactory.createApplicationContext(EventdModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
  });
  app.enableShutdownHooks();
}

main().catch((err: Error) => {
  process.stderr.write(`nefos eventd: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
