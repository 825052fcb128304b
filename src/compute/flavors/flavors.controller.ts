import { Body, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { badRequest, notFound } from '../../common/errors/domain.error';
import type { AuthContext } from '../../identity/auth/auth-context';
import { CurrentAuth } from '../../identity/auth/current-auth.decorator';
import { Policy } from '../../identity/policy/policy.decorator';
import { ComputeController, Links } from '../common/compute.decorators';
import type { ComputeLinks } from '../common/compute-links';
import { nextLinks, parsePage, queryInt, queryString } from '../common/pagination';
import { openApiSchema, parseInput, requireObjectBody } from '../common/validation';
import { extraSpecsSchema, flavorCreateSchema } from './flavor.schemas';
import { FlavorService, type FlavorListQuery } from './flavor.service';
import { flavorDetail, flavorSummary } from './flavor.view';

type Query = Record<string, unknown>;

function listQuery(query: Query): FlavorListQuery {
  const page = parsePage(query);
  const raw = queryString(query, 'is_public');
  let isPublic: boolean | null | undefined;
  if (raw !== undefined) {
    const s = raw.toLowerCase();
    if (s === 'none') isPublic = null;
    else if (['1', 'true', 't', 'yes', 'y', 'on'].includes(s)) isPublic = true;
    else if (['0', 'false', 'f', 'no', 'n', 'off'].includes(s)) isPublic = false;
    else throw badRequest(`Invalid is_public filter [${raw}]`);
  }
  return {
    minRamMb: queryInt(query, 'minRam'),
    minDiskGb: queryInt(query, 'minDisk'),
    isPublic,
    marker: page.marker,
    limit: page.limit,
  };
}

@ComputeController('flavors', 'flavors')
export class FlavorsController {
  constructor(private readonly flavors: FlavorService) {}

  @Get()
  @Policy('compute:flavors:list')
  @ApiOperation({ summary: 'List flavors (minRam, minDisk, is_public, limit, marker)' })
  async list(
    @CurrentAuth() auth: AuthContext,
    @Query() query: Query,
    @Links() links: ComputeLinks,
  ) {
    const q = listQuery(query);
    const rows = await this.flavors.list(auth, q);
    const next = nextLinks(links, 'flavors', query, q, rows);
    return {
      flavors: rows.map((f) => flavorSummary(f, links)),
      ...(next ? { flavors_links: next } : {}),
    };
  }

  @Get('detail')
  @Policy('compute:flavors:list')
  @ApiOperation({ summary: 'List flavors with details' })
  async detail(
    @CurrentAuth() auth: AuthContext,
    @Query() query: Query,
    @Links() links: ComputeLinks,
  ) {
    const q = listQuery(query);
    const rows = await this.flavors.list(auth, q);
    const next = nextLinks(links, 'flavors/detail', query, q, rows);
    return {
      flavors: rows.map((f) => flavorDetail(f, links)),
      ...(next ? { flavors_links: next } : {}),
    };
  }

  @Get(':id')
  @Policy('compute:flavors:get')
  @ApiOperation({ summary: 'Show a flavor' })
  async show(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Links() links: ComputeLinks,
  ) {
    return { flavor: flavorDetail(await this.flavors.get(auth, id), links) };
  }

  @Post()
  @HttpCode(200)
  @Policy('compute:flavors:create')
  @ApiOperation({ summary: 'Create a flavor (admin)' })
  @ApiBody({ schema: openApiSchema(flavorCreateSchema) })
  @ApiResponse({ status: 409, description: 'A flavor with that name or id exists' })
  async create(@Body() body: unknown, @Links() links: ComputeLinks) {
    const { flavor: f } = parseInput(flavorCreateSchema, requireObjectBody(body));
    const created = await this.flavors.create({
      id: f.id,
      name: f.name,
      vcpus: f.vcpus,
      ramMb: f.ram,
      diskGb: f.disk,
      ephemeralGb: f['OS-FLV-EXT-DATA:ephemeral'],
      swapMb: f.swap === '' ? 0 : f.swap,
      rxtxFactor: f.rxtx_factor,
      isPublic: f['os-flavor-access:is_public'],
    });
    return { flavor: flavorDetail(created, links) };
  }

  @Delete(':id')
  @HttpCode(202)
  @Policy('compute:flavors:delete')
  @ApiOperation({ summary: 'Delete a flavor (admin); servers keep theirs' })
  async delete(@Param('id') id: string): Promise<void> {
    await this.flavors.delete(id);
  }

  @Get(':id/os-extra_specs')
  @Policy('compute:flavors:extra_specs:list')
  @ApiOperation({ summary: 'List the extra specs of a flavor' })
  async extraSpecs(@CurrentAuth() auth: AuthContext, @Param('id') id: string) {
    return { extra_specs: await this.flavors.extraSpecs(auth, id) };
  }

  @Get(':id/os-extra_specs/:key')
  @Policy('compute:flavors:extra_specs:get')
  @ApiOperation({ summary: 'Show one extra spec of a flavor' })
  async extraSpec(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Param('key') key: string,
  ) {
    const specs = await this.flavors.extraSpecs(auth, id);
    if (!(key in specs)) throw notFound(`Flavor ${id} has no extra specs with key ${key}.`);
    return { [key]: specs[key] };
  }

  @Post(':id/os-extra_specs')
  @HttpCode(200)
  @Policy('compute:flavors:extra_specs:update')
  @ApiOperation({ summary: 'Create or update extra specs (admin)' })
  @ApiBody({ schema: openApiSchema(extraSpecsSchema) })
  async setExtraSpecs(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    const { extra_specs } = parseInput(extraSpecsSchema, requireObjectBody(body));
    await this.flavors.setExtraSpecs(auth, id, extra_specs);
    return { extra_specs };
  }

  @Put(':id/os-extra_specs/:key')
  @Policy('compute:flavors:extra_specs:update')
  @ApiOperation({ summary: 'Set one extra spec (admin)' })
  async setExtraSpec(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Param('key') key: string,
    @Body() body: unknown,
  ) {
    const obj = requireObjectBody(body);
    const keys = Object.keys(obj);
    if (keys.length !== 1 || keys[0] !== key) {
      throw badRequest(`The body must hold exactly the key of the URL (${key})`);
    }
    const { extra_specs } = parseInput(extraSpecsSchema, { extra_specs: obj });
    await this.flavors.setExtraSpecs(auth, id, extra_specs);
    return extra_specs;
  }

  @Delete(':id/os-extra_specs/:key')
  @HttpCode(200)
  @Policy('compute:flavors:extra_specs:update')
  @ApiOperation({ summary: 'Delete one extra spec (admin)' })
  async deleteExtraSpec(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Param('key') key: string,
  ): Promise<void> {
    await this.flavors.deleteExtraSpec(auth, id, key);
  }
}
