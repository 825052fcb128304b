import { IdentityError } from '@nefos/database';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';

/** Identity commands: an IdentityError (duplicate, unknown name, bad value) is a plain CLI error. */
export abstract class IdentityCommand<O extends JsonOption = JsonOption> extends BaseCommand<O> {
  protected abstract act(args: string[], options: O, out: Output): Promise<void>;

  protected async execute(args: string[], options: O, out: Output): Promise<void> {
    try {
      await this.act(args, options, out);
    } catch (err) {
      if (err instanceof IdentityError) throw new CommandError(err.message);
      throw err;
    }
  }
}
