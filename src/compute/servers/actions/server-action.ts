import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { z } from 'zod/v4';
import type { ServerWithView } from '@nefos/database';
import type { AuthContext } from '../../../identity/auth/auth-context';
import type { ComputeLinks } from '../../common/compute-links';

export const SERVER_ACTION_KEY = 'nefos:server-action';

/** What a handler gets: the caller, and the server already checked to be theirs (else 404). */
export interface ServerActionContext {
  auth: AuthContext;
  server: ServerWithView;
  requestId: string | null;
  links: ComputeLinks;
}

export interface ServerActionResult {
  /** 202 for work handed to the backend, 200 with a body, 204 for nothing to say. */
  status: 200 | 202 | 204;
  body?: unknown;
}

/**
 * One `POST /servers/{id}/action` verb, keyed by its JSON key (`{"reboot": {...}}`). `schema`
 * validates the value under the key; errors name the field as `reboot.type`.
 */
export interface ServerActionHandler<T = unknown> {
  readonly schema: z.ZodType<T>;
  execute(ctx: ServerActionContext, args: T): Promise<ServerActionResult>;
}

/**
 * Marks a provider as the handler of one server action. Any module may declare one: the registry
 * finds every provider carrying this decorator when the application starts.
 */
export function ServerAction(key: string): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(SERVER_ACTION_KEY, key));
}
