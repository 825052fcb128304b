import { CommandFactory } from 'nest-commander';
import { createLogger, loadConfigOrExit } from '@nefos/contracts';
import { ManageModule } from './manage.module';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.database.url) {
    // Without this, Nest fails to build the database module and exits 1 without a word.
    process.stderr.write(
      `nefos-manage: no database to manage: set DATABASE_URL, or start the stack (npm start) ` +
        `so that ${config.dataDir}/services.json names its private database\n`,
    );
    process.exit(78); // EX_CONFIG, as for any other bad setting
  }
  // Logs go to stderr at warn level so command output on stdout stays parseable.
  const logger = createLogger({ ...config, logLevel: 'warn', logFormat: 'json' }, 'manage');
  // commander names the program after argv[1] in usage lines.
  process.argv[1] = 'nefos-manage';
  await CommandFactory.run(ManageModule.forRoot(config, logger), {
    logger: false,
    cliName: 'nefos-manage',
    usePlugins: false,
    errorHandler: (err) => {
      // Unknown command or bad option: commander already printed the reason.
      if (
        (err as { code?: string }).code !== 'commander.helpDisplayed' &&
        (err as { code?: string }).code !== 'commander.version'
      ) {
        process.exitCode = (err as { exitCode?: number }).exitCode || 2;
      }
    },
  });
}

main().catch((err: Error) => {
  process.stderr.write(`nefos-manage: ${err.message}\n`);
  process.exit(1);
});
