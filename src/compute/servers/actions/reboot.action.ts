import { OpCode, OperState, ServerTask } from '@nefos/contracts';
import type { z } from 'zod/v4';
import { rebootSchema } from '../server.schemas';
import { ServerTaskRunner } from '../server-task.runner';
import { ServerAction, type ServerActionContext, type ServerActionHandler } from './server-action';

/**
 * `{"reboot": {"type": "SOFT"|"HARD"}}`: a hard reboot also recovers a server in ERROR. A stopped
 * server is started with os-start: the master refuses to reboot an instance marked down.
 */
@ServerAction('reboot')
export class RebootAction implements ServerActionHandler<z.output<typeof rebootSchema>> {
  readonly schema = rebootSchema;

  constructor(private readonly runner: ServerTaskRunner) {}

  async execute(ctx: ServerActionContext, args: z.output<typeof rebootSchema>) {
    const hard = args.type === 'HARD';
    await this.runner.run(ctx.auth, ctx.server.id, {
      action: 'reboot',
      allowed: hard ? [OperState.Started, OperState.Error] : [OperState.Started],
      task: hard ? ServerTask.RebootingHard : ServerTask.Rebooting,
      opcode: OpCode.InstanceReboot,
      submit: (rapi, instance, reason) =>
        rapi.rebootInstance(instance, hard ? 'hard' : 'soft', { reason }),
    });
    return { status: 202 as const };
  }
}
