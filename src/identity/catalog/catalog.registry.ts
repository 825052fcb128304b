import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';

/** One service in the catalog; `path` is under the public base URL and may hold `{project_id}`. */
export interface CatalogService {
  type: string;
  name: string;
  path: string;
}

export const CATALOG_INTERFACES = ['public', 'internal', 'admin'] as const;
export type CatalogInterface = (typeof CATALOG_INTERFACES)[number];

export interface CatalogEndpoint {
  id: string;
  serviceId: string;
  interface: CatalogInterface;
  region: string;
  url: string;
}

export interface CatalogEntry {
  id: string;
  type: string;
  name: string;
  endpoints: CatalogEndpoint[];
}

/** Stable ids, so the catalog is the same across restarts and API replicas. */
const stableId = (...parts: string[]): string =>
  createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);

/**
 * The service catalog, built from settings rather than stored: every API replica answers the same
 * catalog, with URLs under the public base URL (never the request's Host header). Identity,
 * compute and image are always there; other services (network, volume) add themselves from
 * their module's constructor with `register()` once they exist.
 */
@Injectable()
export class CatalogRegistry {
  private readonly services = new Map<string, CatalogService>();

  constructor(@Inject(NEFOS_CONFIG) private readonly config: NefosConfig) {
    this.register({ type: 'identity', name: 'keystone', path: '/identity' });
    this.register({ type: 'compute', name: 'nova', path: '/compute/v2.1' });
    this.register({ type: 'image', name: 'glance', path: '/image' });
  }

  /** Adds (or replaces) a service, keyed by its type. */
  register(service: CatalogService): void {
    if (!/^\/[A-Za-z0-9._~\-/{}]*$/.test(service.path)) {
      throw new Error(`catalog path must be an absolute URL path: ${service.path}`);
    }
    this.services.set(service.type, { ...service });
  }

  has(type: string): boolean {
    return this.services.has(type);
  }

  get region(): string {
    return this.config.api.region;
  }

  /**
   * The catalog for a token: endpoints whose URL needs a project are left out of an unscoped
   * catalog (as Keystone does when it cannot substitute).
   */
  entries(projectId: string | null): CatalogEntry[] {
    return this.sorted()
      .filter((svc) => projectId !== null || !svc.path.includes('{project_id}'))
      .map((svc) => this.entry(svc, svc.path.replace(/\{project_id\}/g, projectId ?? '')));
  }

  /** The services with their URL templates (for `GET /v3/services` and `/v3/endpoints`). */
  templates(): CatalogEntry[] {
    return this.sorted().map((svc) =>
      this.entry(svc, svc.path.replace(/\{project_id\}/g, '$(project_id)s')),
    );
  }

  private sorted(): CatalogService[] {
    return [...this.services.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  private entry(svc: CatalogService, path: string): CatalogEntry {
    const serviceId = stableId('service', svc.type);
    return {
      id: serviceId,
      type: svc.type,
      name: svc.name,
      endpoints: CATALOG_INTERFACES.map((iface) => ({
        id: stableId('endpoint', svc.type, iface),
        serviceId,
        interface: iface,
        region: this.region,
        url: this.config.api.publicUrl + path,
      })),
    };
  }
}
