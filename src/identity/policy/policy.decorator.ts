import { SetMetadata } from '@nestjs/common';

export const POLICY_KEY = 'nefos:policy';
export const PUBLIC_KEY = 'nefos:public';

/** Names the action of an endpoint; the auth guard checks it against the policy table. */
export const Policy = (action: string): MethodDecorator & ClassDecorator =>
  SetMetadata(POLICY_KEY, action);

/** No token needed (version discovery, token issue, healthz, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);
