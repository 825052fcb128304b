import { CommandRunner, Option } from 'nest-commander';
import { Output } from '../output/output';

/** A failure the user can act on: printed without a stack trace, exit code 1. */
export class CommandError extends Error {}

export interface JsonOption {
  json?: boolean;
}

/**
 * Every nefos-manage command: `--json` output, errors printed as one line on stderr and a
 * non-zero exit code.
 */
export abstract class BaseCommand<O extends JsonOption = JsonOption> extends CommandRunner {
  protected abstract execute(args: string[], options: O, out: Output): Promise<void>;

  async run(args: string[], options: O): Promise<void> {
    try {
      await this.execute(args, options, new Output(Boolean(options.json)));
    } catch (err) {
      const message = err instanceof CommandError ? err.message : `${(err as Error).message}`;
      process.stderr.write(`error: ${message}\n`);
      process.exitCode = 1;
    }
  }

  @Option({ flags: '--json', description: 'print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}
