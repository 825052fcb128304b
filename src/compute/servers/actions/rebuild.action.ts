import { generateSecret, hashPassword, OpCode, OperState, ServerTask } from '@nefos/contracts';
import { FlavorRepository, ServerRepository } from '@nefos/database';
import type { z } from 'zod/v4';
import { badRequest } from '../../../common/errors/domain.error';
import { ImageRegistry, imageProperties } from '../../../images/image.registry';
import { rebuildSchema } from '../server.schemas';
import { serverDetail } from '../server.view';
import { ServerTaskRunner } from '../server-task.runner';
import { ServerAction, type ServerActionContext, type ServerActionHandler } from './server-action';

type Args = z.output<typeof rebuildSchema>;

/** `{"rebuild": {"imageRef": ...}}`: reinstalls the disk from an image; answers the server. */
@ServerAction('rebuild')
export class RebuildAction implements ServerActionHandler<Args> {
  readonly schema = rebuildSchema;

  constructor(
    private readonly runner: ServerTaskRunner,
    private readonly images: ImageRegistry,
    private readonly flavors: FlavorRepository,
    private readonly servers: ServerRepository,
  ) {}

  async execute(ctx: ServerActionContext, args: Args) {
    const image = await this.images.forBoot(ctx.auth, args.imageRef);
    const flavor = await this.flavors.find(ctx.server.flavorId, { withDeleted: true });
    if (flavor && image.minDiskGb > flavor.diskGb) {
      throw badRequest("Flavor's disk is too small for requested image.");
    }
    if (flavor && image.minRamMb > flavor.ramMb) {
      throw badRequest("Flavor's memory is too small for requested image.");
    }
    const adminPass = args.adminPass ?? generateSecret(12);
    const passHash = await hashPassword(adminPass);
    const props = imageProperties(image);
    const imgProperties = { ...(image.osFamily ? { OSFAMILY: image.osFamily } : {}), ...props };
    await this.runner.run(ctx.auth, ctx.server.id, {
      action: 'rebuild',
      allowed: [OperState.Started, OperState.Stopped, OperState.Error],
      task: ServerTask.Rebuilding,
      opcode: OpCode.InstanceReinstall,
      update: () => ({
        imageId: image.id,
        adminPassHash: passHash,
        ...(args.name !== undefined ? { name: args.name } : {}),
        ...(args.accessIPv4 !== undefined ? { accessIpv4: args.accessIPv4 || null } : {}),
        ...(args.accessIPv6 !== undefined ? { accessIpv6: args.accessIPv6 || null } : {}),
        ...(args['OS-DCF:diskConfig'] ? { diskConfig: args['OS-DCF:diskConfig'] } : {}),
      }),
      apply: async (s, tx) => {
        if (args.metadata) await this.servers.setMetadata(tx, s.id, args.metadata, true);
      },
      submit: (rapi, instance, reason) =>
        rapi.reinstallInstance(
          instance,
          {
            osparams: {
              img_id: image.location,
              img_format: image.diskFormat,
              img_passwd: adminPass,
              ...(Object.keys(imgProperties).length
                ? { img_properties: JSON.stringify(imgProperties) }
                : {}),
            },
            start: true,
          },
          { reason },
        ),
    });
    const view = await this.servers.findWithView(ctx.server.id);
    return {
      status: 202 as const,
      body: {
        server: {
          ...serverDetail(view!, { links: ctx.links, isAdmin: ctx.auth.isAdmin }),
          adminPass,
        },
      },
    };
  }
}
