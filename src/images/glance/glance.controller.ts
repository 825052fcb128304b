import { Controller, Get, Inject, Param, Query, UseInterceptors } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { badRequest } from '../../common/errors/domain.error';
import type { AuthContext } from '../../identity/auth/auth-context';
import { CurrentAuth } from '../../identity/auth/current-auth.decorator';
import { Policy, Public } from '../../identity/policy/policy.decorator';
import { ComputeApiInterceptor } from '../../compute/common/compute-api.interceptor';
import { ImageRegistry } from '../image.registry';
import { glanceImageView } from './glance-image.view';

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;
/** Query keys Glance treats as options, not as property filters. */
const OPTIONS = new Set([
  'limit',
  'marker',
  'name',
  'visibility',
  'status',
  'owner',
  'sort',
  'sort_key',
  'sort_dir',
  'member_status',
  'tag',
  'os_hidden',
  'protected',
]);

type Query = Record<string, unknown>;

function one(query: Query, key: string): string | undefined {
  const v = query[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`The ${key} filter may be given once, as text`);
  return v;
}

/**
 * The Glance v2 subset clients need to look images up (`openstack server create/list` resolve
 * images here): version discovery, list with filters and `next` links, show.
 */
@ApiTags('image (Glance v2)')
@UseInterceptors(ComputeApiInterceptor)
@Controller('image')
export class GlanceController {
  constructor(
    private readonly registry: ImageRegistry,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'List image API versions' })
  versions(): unknown {
    return this.versionsDoc();
  }

  @Public()
  @Get('v2')
  @ApiOperation({ summary: 'List image API versions (under v2)' })
  versionsV2(): unknown {
    return this.versionsDoc();
  }

  @Get('v2/images')
  @Policy('image:images:list')
  @ApiSecurity('token')
  @ApiOperation({ summary: 'List images' })
  async list(@CurrentAuth() auth: AuthContext, @Query() query: Query): Promise<unknown> {
    const rawLimit = one(query, 'limit');
    if (rawLimit !== undefined && !/^\d+$/.test(rawLimit)) {
      throw badRequest(`limit param must be an integer, got '${rawLimit}'`);
    }
    const limit = Math.min(rawLimit === undefined ? DEFAULT_LIMIT : Number(rawLimit), MAX_LIMIT);
    const visibility = one(query, 'visibility');
    if (visibility && !['public', 'private', 'shared', 'community', 'all'].includes(visibility)) {
      throw badRequest(`Invalid visibility value: ${visibility}`);
    }
    const status = one(query, 'status');
    const properties = Object.entries(query)
      .filter(([k]) => !OPTIONS.has(k))
      .map(([key, value]) => {
        if (typeof value !== 'string') throw badRequest(`The ${key} filter may be given once`);
        return { key, value };
      });
    const marker = one(query, 'marker');
    const rows = await this.registry.list(
      auth,
      {
        name: one(query, 'name'),
        visibility: visibility === 'all' ? undefined : visibility,
        status: status ? [status] : undefined,
        ownerProjectId: one(query, 'owner'),
        properties,
        limit,
      },
      marker,
    );
    const body: Record<string, unknown> = {
      images: rows.map(glanceImageView),
      schema: '/v2/schemas/images',
      first: '/v2/images',
    };
    if (rows.length === limit && limit > 0) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query))
        if (typeof v === 'string' && k !== 'marker') params.set(k, v);
      params.set('marker', rows[rows.length - 1].id);
      params.set('limit', String(limit));
      body.next = `/v2/images?${params.toString()}`;
    }
    return body;
  }

  @Get('v2/images/:id')
  @Policy('image:images:get')
  @ApiSecurity('token')
  @ApiOperation({ summary: 'Show an image' })
  async show(@CurrentAuth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return glanceImageView(await this.registry.get(auth, id));
  }

  private versionsDoc(): unknown {
    const href = `${this.config.api.publicUrl.replace(/\/+$/, '')}/image/v2/`;
    const minor = ['2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];
    return {
      versions: minor.map((v, i) => ({
        id: `v${v}`,
        status: i === 0 ? 'CURRENT' : 'SUPPORTED',
        links: [{ rel: 'self', href }],
      })),
    };
  }
}
