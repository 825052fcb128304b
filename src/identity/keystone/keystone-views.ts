import type { Domain, Project, Role, User } from '@nefos/database';
import type { TokenView } from '../auth/token.repository';
import type { CatalogEntry } from '../catalog/catalog.registry';

/** Keystone's timestamps: microseconds and a `Z`, e.g. `2015-11-05T22:00:11.000000Z`. */
export function keystoneTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** v2.0's timestamps have no fraction: `2015-11-05T22:00:11Z`. */
export function v2Time(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function auditIds(view: TokenView): string[] {
  return view.auditId.split(' ').filter(Boolean);
}

export function v3Catalog(entries: CatalogEntry[]) {
  return entries.map((e) => ({
    id: e.id,
    type: e.type,
    name: e.name,
    endpoints: e.endpoints.map((ep) => ({
      id: ep.id,
      interface: ep.interface,
      region: ep.region,
      region_id: ep.region,
      url: ep.url,
    })),
  }));
}

/** The v3 `token` body; `catalog` is left out when the client asked `nocatalog` or is unscoped. */
export function v3Token(view: TokenView, catalog: CatalogEntry[] | null) {
  const token: Record<string, unknown> = {
    methods: view.methods,
    user: {
      id: view.user.id,
      name: view.user.name,
      domain: view.user.domain,
      password_expires_at: view.user.passwordExpiresAt
        ? keystoneTime(view.user.passwordExpiresAt)
        : null,
    },
    audit_ids: auditIds(view),
    expires_at: keystoneTime(view.expiresAt),
    issued_at: keystoneTime(view.issuedAt),
  };
  if (view.project) {
    token.project = {
      id: view.project.id,
      name: view.project.name,
      domain: view.project.domain,
    };
    token.is_domain = false;
    token.roles = view.roles.map((r) => ({ id: r.id, name: r.name }));
    if (catalog) token.catalog = v3Catalog(catalog);
  }
  return { token };
}

/** The v2.0 `access` body for old clients. */
export function v2Access(view: TokenView, tokenId: string, catalog: CatalogEntry[]) {
  const token: Record<string, unknown> = {
    id: tokenId,
    issued_at: keystoneTime(view.issuedAt),
    expires: v2Time(view.expiresAt),
    audit_ids: auditIds(view),
  };
  if (view.project) {
    token.tenant = {
      id: view.project.id,
      name: view.project.name,
      description: view.project.description,
      enabled: view.project.enabled,
    };
  }
  return {
    access: {
      token,
      serviceCatalog: view.project
        ? catalog.map((e) => {
            const url = (iface: string) => e.endpoints.find((ep) => ep.interface === iface)?.url;
            const pub = e.endpoints.find((ep) => ep.interface === 'public')!;
            return {
              type: e.type,
              name: e.name,
              endpoints: [
                {
                  id: pub.id,
                  region: pub.region,
                  publicURL: url('public'),
                  internalURL: url('internal'),
                  adminURL: url('admin'),
                },
              ],
              endpoints_links: [],
            };
          })
        : [],
      user: {
        id: view.user.id,
        name: view.user.name,
        username: view.user.name,
        roles: view.roles.map((r) => ({ name: r.name })),
        roles_links: [],
      },
      metadata: {
        is_admin: 0,
        roles: view.roles.map((r) => r.id),
      },
    },
  };
}

export function userView(base: string, u: User) {
  return {
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    enabled: u.enabled,
    email: u.email ?? undefined,
    description: u.description,
    default_project_id: u.defaultProjectId ?? undefined,
    password_expires_at: u.passwordExpiresAt ? keystoneTime(u.passwordExpiresAt) : null,
    options: {},
    links: { self: `${base}/v3/users/${u.id}` },
  };
}

export function projectView(base: string, p: Project) {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.domainId,
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${base}/v3/projects/${p.id}` },
  };
}

export function roleView(base: string, r: Role) {
  return {
    id: r.id,
    name: r.name,
    domain_id: null,
    description: ROLE_DESCRIPTIONS[r.name] ?? null,
    options: {},
    links: { self: `${base}/v3/roles/${r.id}` },
  };
}

export function domainView(base: string, d: Domain) {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    tags: [],
    options: {},
    links: { self: `${base}/v3/domains/${d.id}` },
  };
}

/** A Keystone collection: the items under `key` and the `links` of a complete (unpaged) list. */
export function collection<T>(key: string, self: string, items: T[]) {
  return { [key]: items, links: { self, previous: null, next: null } };
}

const ROLE_DESCRIPTIONS: Record<string, string> = {
  admin: 'Administers the whole cloud: every project, quotas, flavors, backends.',
  member: 'Creates and changes resources within the project.',
  reader: 'Reads the resources of the project; changes nothing.',
};
