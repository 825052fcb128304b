import { Injectable } from '@nestjs/common';
import {
  InvalidRegexError,
  MarkerNotFoundError,
  ServerRepository,
  type ServerWithView,
} from '@nefos/database';
import { badRequest, forbidden, notFound } from '../../common/errors/domain.error';
import type { AuthContext } from '../../identity/auth/auth-context';
import type { ComputeLinks } from '../common/compute-links';
import { nextLinks, parsePage, queryBool, queryString, queryTime } from '../common/pagination';
import { serverDetail, serverSummary } from './server.view';

type Query = Record<string, unknown>;

function regex(query: Query, name: string): string | undefined {
  const v = queryString(query, name);
  if (v === undefined) return undefined;
  try {
    new RegExp(v);
  } catch {
    throw badRequest(`Invalid ${name} filter: '${v}' is not a valid regular expression`);
  }
  return v;
}

/** The last path segment of an id or a link (Nova accepts both in `image`/`flavor` filters). */
function refId(v: string | undefined): string | undefined {
  return v === undefined ? undefined : (v.replace(/\/+$/, '').split('/').pop() ?? v);
}

function statuses(query: Query): string[] | undefined {
  const v = query.status;
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((s) => typeof s === 'string')) throw badRequest('Invalid status filter');
  return (list as string[]).map((s) => s.toUpperCase());
}

@Injectable()
export class ServerQueryService {
  constructor(private readonly servers: ServerRepository) {}

  async list(
    auth: AuthContext,
    query: Query,
    links: ComputeLinks,
    detail: boolean,
  ): Promise<Record<string, unknown>> {
    const page = parsePage(query);
    const allTenants = queryBool(query, 'all_tenants') ?? false;
    if (allTenants && !auth.isAdmin) {
      throw forbidden("Policy doesn't allow compute:servers:list:all_tenants to be performed.");
    }
    const tenant = queryString(query, 'tenant_id') ?? queryString(query, 'project_id');
    const scopeAll =
      auth.isAdmin && (allTenants || (tenant !== undefined && tenant !== auth.projectId));
    let ids: string[];
    try {
      ids = await this.servers.listIds(
        {
          projectId: auth.projectId!,
          allTenants: scopeAll,
          tenantId: scopeAll ? tenant : undefined,
        },
        {
          nameRegex: regex(query, 'name'),
          statuses: statuses(query),
          imageId: refId(queryString(query, 'image')),
          flavorId: refId(queryString(query, 'flavor')),
          ipRegex: regex(query, 'ip'),
          ip6Regex: regex(query, 'ip6'),
          changesSince: queryTime(query, 'changes-since'),
          limit: page.limit,
          marker: page.marker,
        },
      );
    } catch (err) {
      if (err instanceof MarkerNotFoundError) throw badRequest(err.message);
      if (err instanceof InvalidRegexError)
        throw badRequest('Invalid filter: not a valid regular expression');
      throw err;
    }
    const rows = detail ? await this.servers.loadViews(ids) : await this.servers.loadNames(ids);
    const next = nextLinks(links, detail ? 'servers/detail' : 'servers', query, page, rows);
    return {
      servers: detail
        ? (rows as ServerWithView[]).map((s) => serverDetail(s, { links, isAdmin: auth.isAdmin }))
        : rows.map((s) => serverSummary(s, links)),
      ...(next ? { servers_links: next } : {}),
    };
  }

  async get(auth: AuthContext, id: string): Promise<ServerWithView> {
    const s = await this.servers.findVisible(id, { projectId: auth.projectId!, all: auth.isAdmin });
    if (!s) throw notFound(`Instance ${id} could not be found.`);
    return s;
  }
}
