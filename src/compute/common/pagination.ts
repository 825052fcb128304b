import { badRequest } from '../../common/errors/domain.error';
import type { ComputeLinks, Link } from './compute-links';

export const MAX_LIMIT = 1000;

type Query = Record<string, unknown>;

function single(query: Query, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`Invalid ${name} parameter: give it once, as text`);
  return v;
}

/** `limit` (a whole number >= 0, clamped to 1000 as Nova does) and `marker`. */
export function parsePage(query: Query): { limit: number; marker: string | undefined } {
  const raw = single(query, 'limit');
  let limit = MAX_LIMIT;
  if (raw !== undefined) {
    if (!/^\d+$/.test(raw)) throw badRequest(`limit param must be an integer, got '${raw}'`);
    limit = Math.min(Number(raw), MAX_LIMIT);
  }
  const marker = single(query, 'marker');
  if (marker === '') throw badRequest('marker param must not be empty');
  return { limit, marker };
}

/** A string query parameter given at most once (repeated parameters are a 400). */
export function queryString(query: Query, name: string): string | undefined {
  return single(query, name);
}

/** Nova's boolean query values. */
export function queryBool(query: Query, name: string): boolean | undefined {
  const v = single(query, name);
  if (v === undefined) return undefined;
  const s = v.toLowerCase();
  if (['1', 'true', 't', 'yes', 'y', 'on'].includes(s)) return true;
  if (['0', 'false', 'f', 'no', 'n', 'off', ''].includes(s)) return false;
  throw badRequest(`Invalid ${name} value '${v}': expected true or false`);
}

export function queryInt(query: Query, name: string): number | undefined {
  const v = single(query, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`Invalid ${name} value '${v}': expected a whole number`);
  return Number(v);
}

/** An ISO 8601 timestamp query parameter (`changes-since`). */
export function queryTime(query: Query, name: string): Date | undefined {
  const v = single(query, name);
  if (v === undefined) return undefined;
  const ok = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v);
  const d = new Date(v.replace(' ', 'T'));
  if (!ok || Number.isNaN(d.getTime())) {
    throw badRequest(`Invalid ${name} value '${v}': expected an ISO 8601 time`);
  }
  return d;
}

/**
 * The `rel: next` link of a full page, keeping the other query parameters, or none when the page
 * was not full (Nova's `*_links`).
 */
export function nextLinks(
  links: ComputeLinks,
  path: string,
  query: Query,
  page: { limit: number },
  items: Array<{ id: string }>,
): Link[] | undefined {
  if (items.length === 0 || items.length < page.limit) return undefined;
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    if (typeof v === 'string' && k !== 'marker' && k !== 'limit') params[k] = v;
  }
  params.limit = String(page.limit);
  params.marker = items[items.length - 1].id;
  return [{ rel: 'next', href: links.collection(path, params) }];
}
