import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthContext, RequestWithAuth } from './auth-context';

/** The caller of an authenticated endpoint (set by the auth guard). */
export const CurrentAuth = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthContext => {
    const req = ctx.switchToHttp().getRequest<RequestWithAuth>();
    if (!req.auth) throw new Error('CurrentAuth used on an endpoint without authentication');
    return req.auth;
  },
);
