import {
  applyDecorators,
  Controller,
  createParamDecorator,
  UseInterceptors,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ComputeApiInterceptor } from './compute-api.interceptor';
import { ComputeLinks } from './compute-links';
import type { ComputeRequest } from './compute-request';

/**
 * A controller under `/compute/v2.1/<resource>`; the path middleware makes it answer under
 * `/compute/v2/...` and with a `{project_id}` segment too.
 */
export function ComputeController(resource: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(resource ? `compute/v2.1/${resource}` : 'compute/v2.1'),
    UseInterceptors(ComputeApiInterceptor),
    ApiTags(tag),
    ApiSecurity('token'),
  );
}

/** The link builder of the current compute request (set by the interceptor). */
export const Links = createParamDecorator((_data: unknown, ctx: ExecutionContext): ComputeLinks => {
  const req = ctx.switchToHttp().getRequest<ComputeRequest>();
  if (!req.computeLinks) throw new Error('Links used outside a compute controller');
  return req.computeLinks;
});
