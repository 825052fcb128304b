import { badRequest, DomainError } from '../../common/errors/domain.error';

export const MIN_VERSION = '2.1';
export const MAX_VERSION = '2.1';

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function compare(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/**
 * The compute microversion a request asks for (`OpenStack-API-Version: compute X.Y` wins over the
 * legacy `X-OpenStack-Nova-API-Version`), or the minimum when it asks for none. Versions outside
 * 2.1..2.1 are refused with 406 as Nova words it; a malformed value is a 400.
 */
export function negotiateMicroversion(headers: Headers): string {
  let requested: string | undefined;
  const generic = header(headers, 'openstack-api-version');
  if (generic) {
    for (const part of generic.split(',')) {
      const [service, value] = part.trim().split(/\s+/, 2);
      if (service?.toLowerCase() === 'compute') requested = value ?? '';
    }
  }
  requested ??= header(headers, 'x-openstack-nova-api-version')?.trim();
  if (requested === undefined) return MIN_VERSION;
  if (requested.toLowerCase() === 'latest') return MAX_VERSION;
  if (!/^\d+\.\d+$/.test(requested)) {
    throw badRequest(
      `Invalid API version request: ${requested}. The version must look like 2.1 or be 'latest'.`,
    );
  }
  if (compare(requested, MIN_VERSION) < 0 || compare(requested, MAX_VERSION) > 0) {
    throw new DomainError(
      'notAcceptable',
      `Version ${requested} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`,
    );
  }
  return requested;
}
