import type { Request } from 'express';
import type { RequestWithAuth } from '../../identity/auth/auth-context';
import type { ComputeLinks } from './compute-links';

/** What the compute path middleware learned from the URL. */
export interface ComputeRequestInfo {
  /** `v2` for the legacy endpoint (no microversions), `v2.1` otherwise. */
  version: 'v2' | 'v2.1';
  /** The optional `{project_id}` segment after the version, lower-cased. */
  pathProjectId: string | null;
}

export type ComputeRequest = Request &
  RequestWithAuth & { compute?: ComputeRequestInfo; computeLinks?: ComputeLinks };

const PROJECT_SEGMENT = /^[0-9a-fA-F]{32}$/;
const COMPUTE_PATH = /^\/compute\/(v2|v2\.1)(\/.*)?$/;

/**
 * Express middleware (mounted before the router): strips the optional hex `{project_id}` segment
 * and maps `/compute/v2/...` onto the v2.1 routes, remembering both for links and checks. Nova
 * serves every resource with and without the project segment, so the routes are declared once.
 */
export function computePathMiddleware(
  req: ComputeRequest,
  _res: unknown,
  next: (err?: unknown) => void,
): void {
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  const query = q === -1 ? '' : req.url.slice(q);
  const m = COMPUTE_PATH.exec(path);
  if (!m) return next();
  const version = m[1] as 'v2' | 'v2.1';
  let rest = m[2] ?? '';
  let pathProjectId: string | null = null;
  const seg = /^\/([^/]+)(\/.*)?$/.exec(rest);
  if (seg && PROJECT_SEGMENT.test(seg[1])) {
    pathProjectId = seg[1].toLowerCase();
    rest = seg[2] ?? '';
  }
  req.compute = { version, pathProjectId };
  // The version documents themselves differ between v2 and v2.1; every resource is the same.
  const target = rest === '' || rest === '/' ? version : 'v2.1';
  req.url = `/compute/${target}${rest}${query}`;
  next();
}
