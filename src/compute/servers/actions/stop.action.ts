import { OpCode, OperState, ServerTask } from '@nefos/contracts';
import { noArguments } from '../server.schemas';
import { ServerTaskRunner } from '../server-task.runner';
import { ServerAction, type ServerActionContext, type ServerActionHandler } from './server-action';

/** `{"os-stop": null}`: shuts a running (or failed) server down. */
@ServerAction('os-stop')
export class StopAction implements ServerActionHandler {
  readonly schema = noArguments;

  constructor(private readonly runner: ServerTaskRunner) {}

  async execute(ctx: ServerActionContext) {
    await this.runner.run(ctx.auth, ctx.server.id, {
      action: 'stop',
      allowed: [OperState.Started, OperState.Error],
      task: ServerTask.PoweringOff,
      opcode: OpCode.InstanceShutdown,
      submit: (rapi, instance, reason) => rapi.shutdownInstance(instance, { reason }),
    });
    return { status: 202 as const };
  }
}
