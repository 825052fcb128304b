import { OpCode, OperState, ServerTask } from '@nefos/contracts';
import { noArguments } from '../server.schemas';
import { ServerTaskRunner } from '../server-task.runner';
import { ServerAction, type ServerActionContext, type ServerActionHandler } from './server-action';

/** `{"os-start": null}`: starts a stopped server. */
@ServerAction('os-start')
export class StartAction implements ServerActionHandler {
  readonly schema = noArguments;

  constructor(private readonly runner: ServerTaskRunner) {}

  async execute(ctx: ServerActionContext) {
    await this.runner.run(ctx.auth, ctx.server.id, {
      action: 'start',
      allowed: [OperState.Stopped],
      task: ServerTask.PoweringOn,
      opcode: OpCode.InstanceStartup,
      submit: (rapi, instance, reason) => rapi.startupInstance(instance, { reason }),
    });
    return { status: 202 as const };
  }
}
