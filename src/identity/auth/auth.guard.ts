import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { forbidden } from '../../common/errors/domain.error';
import { POLICY_KEY, PUBLIC_KEY } from '../policy/policy.decorator';
import { POLICY_TABLE, type PolicyRule } from '../policy/policy.table';
import type { RequestWithAuth } from './auth-context';
import type { AuthContext } from './auth-context';
import { AuthService } from './auth.service';

/** Whether `auth` may act under `rule`; `params` are the route's (for owner/project rules). */
export function allowed(
  rule: PolicyRule,
  auth: AuthContext,
  params: Record<string, string | undefined> = {},
): boolean {
  switch (rule) {
    case 'authenticated':
      return true;
    case 'reader':
      return auth.projectId !== null && auth.roles.length > 0;
    case 'member':
      return auth.projectId !== null && (auth.isAdmin || auth.roles.includes('member'));
    case 'admin':
      return auth.projectId !== null && auth.isAdmin;
    case 'owner':
      return (
        (params.user_id !== undefined && params.user_id === auth.userId) ||
        (auth.projectId !== null && auth.isAdmin)
      );
    case 'project_reader':
      return (
        auth.projectId !== null &&
        (auth.isAdmin || (params.project_id === auth.projectId && auth.roles.length > 0))
      );
  }
}

/** Keystone and Nova word a refusal differently; clients show the message as it is. */
function refusal(action: string): string {
  return action.startsWith('identity:')
    ? `You are not authorized to perform the requested action: ${action}.`
    : `Policy doesn't allow ${action} to be performed.`;
}

/**
 * The one place where requests are authenticated and authorised: every route needs a valid
 * `X-Auth-Token` and a `@Policy` action from the policy table, unless it is `@Public`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & RequestWithAuth>();
    const header = req.headers['x-auth-token'];
    const auth = await this.auth.authenticate(Array.isArray(header) ? header[0] : header);
    req.auth = auth;
    const action = this.reflector.getAllAndOverride<string>(POLICY_KEY, targets);
    const rule = action ? POLICY_TABLE[action] : undefined;
    if (!rule) throw forbidden(`Policy does not allow ${action ?? 'this action'} to be performed.`);
    const params = (req.params ?? {}) as Record<string, string | undefined>;
    if (!allowed(rule, auth, params)) throw forbidden(refusal(action!));
    return true;
  }
}
