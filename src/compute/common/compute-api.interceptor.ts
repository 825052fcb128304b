import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { badRequest } from '../../common/errors/domain.error';
import { negotiateMicroversion } from './api-version';
import { ComputeLinks } from './compute-links';
import type { ComputeRequest } from './compute-request';

/**
 * Runs on every compute route after authentication: microversion negotiation (406 above 2.1)
 * and its response headers, the `{project_id}` segment check, and the link builder for views.
 */
@Injectable()
export class ComputeApiInterceptor implements NestInterceptor {
  constructor(@Inject(NEFOS_CONFIG) private readonly config: NefosConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<ComputeRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const info = req.compute ?? { version: 'v2.1' as const, pathProjectId: null };
    if (info.version === 'v2.1') {
      const version = negotiateMicroversion(req.headers);
      res.setHeader('X-OpenStack-Nova-API-Version', version);
      res.setHeader('OpenStack-API-Version', `compute ${version}`);
      res.setHeader('Vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
    }
    const tokenProject = req.auth?.projectId;
    if (info.pathProjectId && req.auth && tokenProject !== info.pathProjectId) {
      throw badRequest(
        `Malformed request URL: URL's project_id '${info.pathProjectId}' doesn't match the token's project_id '${tokenProject ?? ''}'`,
      );
    }
    req.computeLinks = new ComputeLinks(this.config.api.publicUrl, info);
    return next.handle();
  }
}
