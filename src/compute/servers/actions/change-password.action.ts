import { hashPassword, OpCode, OperState, ServerTask } from '@nefos/contracts';
import { ImageRepository } from '@nefos/database';
import type { z } from 'zod/v4';
import { conflict } from '../../../common/errors/domain.error';
import { imageProperties } from '../../../images/image.registry';
import { changePasswordSchema } from '../server.schemas';
import { ServerTaskRunner } from '../server-task.runner';
import { ServerAction, type ServerActionContext, type ServerActionHandler } from './server-action';

type Args = z.output<typeof changePasswordSchema>;

/** Images whose guests run the QEMU guest agent can have a password set while running (as Nova). */
export function supportsPasswordChange(props: Record<string, string>): boolean {
  return ['yes', 'true', '1'].includes((props.hw_qemu_guest_agent ?? '').toLowerCase());
}

/**
 * `{"changePassword": {"adminPass": ...}}`: passed to the guest through the backend (`modify`
 * with `img_passwd`) when its image has a guest agent; the hash is stored. Other images can only
 * get a new password by a rebuild, and the answer says so.
 */
@ServerAction('changePassword')
export class ChangePasswordAction implements ServerActionHandler<Args> {
  readonly schema = changePasswordSchema;

  constructor(
    private readonly runner: ServerTaskRunner,
    private readonly images: ImageRepository,
  ) {}

  async execute(ctx: ServerActionContext, args: Args) {
    // The server keeps its image even if that image was deleted or made private since.
    const image = ctx.server.imageId
      ? await this.images.findVisible(
          ctx.server.imageId,
          { projectId: null, all: true },
          { withDeleted: true },
        )
      : null;
    const props = image ? imageProperties(image) : {};
    if (!supportsPasswordChange(props)) {
      throw conflict(
        `The image of server ${ctx.server.id} has no guest agent (image property hw_qemu_guest_agent), so its password cannot be changed while it runs; rebuild the server with a new adminPass instead.`,
      );
    }
    const passHash = await hashPassword(args.adminPass);
    await this.runner.run(ctx.auth, ctx.server.id, {
      action: 'changePassword',
      allowed: [OperState.Started],
      task: ServerTask.UpdatingPassword,
      opcode: OpCode.InstanceSetParams,
      update: () => ({ adminPassHash: passHash }),
      submit: (rapi, instance, reason) =>
        rapi.modifyInstance(instance, { osparams: { img_passwd: args.adminPass } }, { reason }),
    });
    return { status: 202 as const };
  }
}
