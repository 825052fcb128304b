import { z } from 'zod/v4';
import {
  ServerAction,
  type ServerActionContext,
  type ServerActionHandler,
} from '../compute/servers/actions/server-action';
import { VNC_CONSOLE_ACTION, VncConsoleService } from './vnc-console.service';

// Nova's schema: `type` is required and one of these; nothing else is allowed.
const schema = z.strictObject({ type: z.enum(['novnc', 'xvpvnc']) });

/** `{"os-getVNCConsole": {"type": "novnc"}}` → 200 `{"console": {"type": "novnc", "url"}}`. */
@ServerAction(VNC_CONSOLE_ACTION)
export class VncConsoleAction implements ServerActionHandler<z.infer<typeof schema>> {
  readonly schema = schema;

  constructor(private readonly consoles: VncConsoleService) {}

  async execute(ctx: ServerActionContext, args: z.infer<typeof schema>) {
    const body = await this.consoles.getConsole(ctx.auth, ctx.server, args.type, ctx.requestId);
    return { status: 200 as const, body };
  }
}
