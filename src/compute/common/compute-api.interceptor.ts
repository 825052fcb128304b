import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { badRequest } from '../../common/errors/domain.error';
import { negotiateMicroversion } from './api-version';
import { ComputeLinks } from './compute-links';
import type { ComputeRequest } from './compute-request';

/** Postgres cannot store NUL characters: refuse them at the edge rather than fail later. */
function assertNoNul(value: unknown, where: string, depth = 0): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw badRequest(`NUL characters are not allowed in ${where}`);
  } else if (value !== null && typeof value === 'object' && depth < 32) {
    for (const [k, v] of Object.entries(value)) {
      assertNoNul(k, where, depth + 1);
      assertNoNul(v, where, depth + 1);
    }
  }
}

/**
 * Runs on every compute (and image) route after authentication: NUL characters refused,
 * microversion negotiation (406 above 2.1) and its response headers on `/compute/v2.1`, the
 * `{project_id}` segment check, and the link builder for views.
 */
@Injectable()
export class ComputeApiInterceptor implements NestInterceptor {
  constructor(@Inject(NEFOS_CONFIG) private readonly config: NefosConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<ComputeRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    assertNoNul(req.params, 'the URL');
    assertNoNul(req.query, 'the query string');
    assertNoNul(req.body, 'the request body');
    const info = req.compute ?? { version: 'v2' as const, pathProjectId: null };
    if (req.compute?.version === 'v2.1') {
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
