import { PrismaService, ServerRepository } from '@nefos/database';
import { noArguments } from '../server.schemas';
import { ServerTaskRunner } from '../server-task.runner';
import { ServerAction, type ServerActionContext, type ServerActionHandler } from './server-action';

/** `{"confirmResize": null}`: keeps the new flavor; the backend already runs with it. */
@ServerAction('confirmResize')
export class ConfirmResizeAction implements ServerActionHandler {
  readonly schema = noArguments;

  constructor(
    private readonly prisma: PrismaService,
    private readonly servers: ServerRepository,
    private readonly runner: ServerTaskRunner,
  ) {}

  async execute(ctx: ServerActionContext) {
    await this.prisma.$transaction(async (tx) => {
      const s = await this.runner.lockVisible(tx, ctx.auth, ctx.server.id);
      ServerTaskRunner.checkState(s, 'confirmResize', [s.operstate], true);
      await this.servers.update(tx, s.id, { resizePending: false, oldFlavorId: null });
      await this.servers.trail(tx, {
        serverId: s.id,
        source: 'api',
        requestId: ctx.requestId,
        message: `confirmResize by user ${ctx.auth.userId}: flavor ${s.flavorId} kept`,
      });
    });
    return { status: 204 as const };
  }
}
