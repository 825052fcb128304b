import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { ProjectRepository } from '@nefos/database';
import { notFound } from '../../common/errors/domain.error';
import { CatalogRegistry } from '../catalog/catalog.registry';
import { Policy } from '../policy/policy.decorator';
import { collection, domainView } from './keystone-views';
import { parseBoolQuery } from './validation';

/** Read-only Keystone v3 collections: domains, and the catalog's services, endpoints and region. */
@Controller('identity/v3')
export class DirectoryController {
  constructor(
    private readonly projects: ProjectRepository,
    private readonly catalog: CatalogRegistry,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  private get base(): string {
    return `${this.config.api.publicUrl}/identity`;
  }

  @Get('domains')
  @Policy('identity:domains:list')
  async domains(@Query() q: Record<string, string | undefined>) {
    const enabled = parseBoolQuery(q.enabled, 'enabled');
    const list = await this.projects.listDomains({
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
    });
    return collection(
      'domains',
      `${this.base}/v3/domains`,
      list.map((d) => domainView(this.base, d)),
    );
  }

  @Get('domains/:domain_id')
  @Policy('identity:domains:get')
  async domain(@Param('domain_id') id: string) {
    const domain = await this.projects.findDomainById(id);
    if (!domain) throw notFound(`Could not find domain: ${id}.`);
    return { domain: domainView(this.base, domain) };
  }

  @Get('services')
  @Policy('identity:services:list')
  services(@Query('type') type: string | undefined) {
    const items = this.catalog
      .templates()
      .filter((s) => type === undefined || s.type === type)
      .map((s) => ({
        id: s.id,
        type: s.type,
        name: s.name,
        enabled: true,
        description: '',
        links: { self: `${this.base}/v3/services/${s.id}` },
      }));
    return collection('services', `${this.base}/v3/services`, items);
  }

  @Get('endpoints')
  @Policy('identity:endpoints:list')
  endpoints(@Query() q: Record<string, string | undefined>) {
    const items = this.catalog
      .templates()
      .flatMap((s) => s.endpoints)
      .filter((e) => q.service_id === undefined || e.serviceId === q.service_id)
      .filter((e) => q.interface === undefined || e.interface === q.interface)
      .map((e) => ({
        id: e.id,
        interface: e.interface,
        region: e.region,
        region_id: e.region,
        service_id: e.serviceId,
        url: e.url,
        enabled: true,
        links: { self: `${this.base}/v3/endpoints/${e.id}` },
      }));
    return collection('endpoints', `${this.base}/v3/endpoints`, items);
  }

  @Get('regions')
  @Policy('identity:regions:list')
  regions() {
    const region = this.catalog.region;
    return collection('regions', `${this.base}/v3/regions`, [
      {
        id: region,
        description: '',
        parent_region_id: null,
        links: { self: `${this.base}/v3/regions/${region}` },
      },
    ]);
  }
}
