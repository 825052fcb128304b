import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { Public } from '../policy/policy.decorator';

const V3_UPDATED = '2020-04-07T00:00:00Z';
const V2_UPDATED = '2016-08-04T00:00:00Z';

/** Version discovery, without a token (keystoneauth reads these before it authenticates). */
@Controller('identity')
@Public()
export class DiscoveryController {
  constructor(@Inject(NEFOS_CONFIG) private readonly config: NefosConfig) {}

  private get base(): string {
    return `${this.config.api.publicUrl}/identity`;
  }

  private v3() {
    return {
      id: 'v3.14',
      status: 'stable',
      updated: V3_UPDATED,
      links: [{ rel: 'self', href: `${this.base}/v3/` }],
      'media-types': [
        { base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' },
      ],
    };
  }

  private v2() {
    return {
      id: 'v2.0',
      status: 'deprecated',
      updated: V2_UPDATED,
      links: [
        { rel: 'self', href: `${this.base}/v2.0/` },
        { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      ],
      'media-types': [
        { base: 'application/json', type: 'application/vnd.openstack.identity-v2.0+json' },
      ],
    };
  }

  /** Keystone answers its unversioned endpoint with 300 Multiple Choices. */
  @Get()
  @HttpCode(300)
  versions() {
    return { versions: { values: [this.v3(), this.v2()] } };
  }

  @Get('v3')
  version3() {
    return { version: this.v3() };
  }

  @Get('v2.0')
  version2() {
    return { version: this.v2() };
  }
}
