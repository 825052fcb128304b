import { OpCode, OperState, ServerTask } from '@nefos/contracts';
import type { Flavor } from '@nefos/database';
import type { z } from 'zod/v4';
import { badRequest } from '../../../common/errors/domain.error';
import { FlavorService } from '../../flavors/flavor.service';
import { resizeSchema } from '../server.schemas';
import { ServerTaskRunner } from '../server-task.runner';
import { ServerAction, type ServerActionContext, type ServerActionHandler } from './server-action';

/** Ganeti's `modify` takes the flavor's CPU and memory as backend parameters. */
export function flavorBeparams(f: Flavor): Record<string, number> {
  return { vcpus: f.vcpus, maxmem: f.ramMb, minmem: f.ramMb };
}

/**
 * `{"resize": {"flavorRef": ...}}`: new vCPUs and memory through `modify`; the server then waits
 * in VERIFY_RESIZE for confirmResize or revertResize. Disks keep their size: a flavor with another
 * disk size is refused, since the backend cannot grow or shrink the disk in this step.
 */
@ServerAction('resize')
export class ResizeAction implements ServerActionHandler<z.output<typeof resizeSchema>> {
  readonly schema = resizeSchema;

  constructor(
    private readonly runner: ServerTaskRunner,
    private readonly flavors: FlavorService,
  ) {}

  async execute(ctx: ServerActionContext, args: z.output<typeof resizeSchema>) {
    const target = await this.flavors.forBoot(ctx.auth, args.flavorRef);
    const current = await this.flavors.get(ctx.auth, ctx.server.flavorId).catch(() => null);
    await this.runner.run(ctx.auth, ctx.server.id, {
      action: 'resize',
      allowed: [OperState.Started, OperState.Stopped],
      task: ServerTask.ResizePrep,
      opcode: OpCode.InstanceSetParams,
      check: (s) => {
        if (s.flavorId === target.id)
          throw badRequest('When resizing, instances must change flavor!');
        if (current && target.diskGb !== current.diskGb) {
          throw badRequest(
            `Resizing the disk is not supported: choose a flavor with a ${current.diskGb} GiB disk (flavor ${target.name} has ${target.diskGb} GiB).`,
          );
        }
      },
      quota: () =>
        current ? { cores: target.vcpus - current.vcpus, ram: target.ramMb - current.ramMb } : null,
      update: (s) => ({
        flavorId: target.id,
        oldFlavorId: s.flavorId,
        resizePending: true,
        ...(args['OS-DCF:diskConfig'] ? { diskConfig: args['OS-DCF:diskConfig'] } : {}),
      }),
      submit: (rapi, instance, reason) =>
        rapi.modifyInstance(instance, { beparams: flavorBeparams(target) }, { reason }),
    });
    return { status: 202 as const };
  }
}
