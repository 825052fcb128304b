import { OpCode, OperState, ServerTask } from '@nefos/contracts';
import { FlavorRepository } from '@nefos/database';
import { conflict } from '../../../common/errors/domain.error';
import { noArguments } from '../server.schemas';
import { ServerTaskRunner } from '../server-task.runner';
import { flavorBeparams } from './resize.action';
import { ServerAction, type ServerActionContext, type ServerActionHandler } from './server-action';

/** `{"revertResize": null}`: back to the flavor the server had before the resize. */
@ServerAction('revertResize')
export class RevertResizeAction implements ServerActionHandler {
  readonly schema = noArguments;

  constructor(
    private readonly runner: ServerTaskRunner,
    private readonly flavors: FlavorRepository,
  ) {}

  async execute(ctx: ServerActionContext) {
    const oldId = ctx.server.oldFlavorId;
    const old = oldId ? await this.flavors.find(oldId, { withDeleted: true }) : null;
    const current = await this.flavors.find(ctx.server.flavorId, { withDeleted: true });
    await this.runner.run(ctx.auth, ctx.server.id, {
      action: 'revertResize',
      allowed: [OperState.Started, OperState.Stopped, OperState.Error],
      whileResized: true,
      task: ServerTask.ResizeReverting,
      opcode: OpCode.InstanceSetParams,
      check: (s) => {
        if (!old || s.oldFlavorId !== old.id) {
          throw conflict(`Instance ${s.id} has no flavor to revert to.`);
        }
      },
      quota: () =>
        current && old
          ? { cores: old.vcpus - current.vcpus, ram: old.ramMb - current.ramMb }
          : null,
      update: () => ({ flavorId: old!.id, oldFlavorId: null, resizePending: false }),
      submit: (rapi, instance, reason) =>
        rapi.modifyInstance(instance, { beparams: flavorBeparams(old!) }, { reason }),
    });
    return { status: 202 as const };
  }
}
