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
  // An orderly stop flushes what is pending; if Redis or Postgres is gone it must not hang forever.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(0), 15_000).unref());
  }
}

main().catch((err: Error) => {
  process.stderr.write(`nefos eventd: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
