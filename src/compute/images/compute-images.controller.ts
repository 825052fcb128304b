import { Body, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation } from '@nestjs/swagger';
import { z } from 'zod/v4';
import { badRequest, notFound } from '../../common/errors/domain.error';
import type { AuthContext } from '../../identity/auth/auth-context';
import { CurrentAuth } from '../../identity/auth/current-auth.decorator';
import { Policy } from '../../identity/policy/policy.decorator';
import { ImageRegistry, imageProperties } from '../../images/image.registry';
import { ComputeController, Links } from '../common/compute.decorators';
import type { ComputeLinks } from '../common/compute-links';
import { nextLinks, parsePage, queryInt, queryString, queryTime } from '../common/pagination';
import { metadataSchema, openApiSchema, parseInput, requireObjectBody } from '../common/validation';
import { computeImageDetail, computeImageSummary } from './compute-image.view';

type Query = Record<string, unknown>;

const metadataBody = z.strictObject({ metadata: metadataSchema });
const metaBody = z.strictObject({ meta: metadataSchema });

/** Nova's image status filter values and the registry statuses they stand for. */
const STATUS_FILTER: Record<string, string[]> = {
  ACTIVE: ['active'],
  SAVING: ['queued', 'saving', 'importing', 'uploading'],
  DELETED: ['deleted', 'pending_delete'],
  ERROR: ['killed'],
};

/** The compute API's image proxy (deprecated in Nova, still used by clients), over the registry. */
@ComputeController('images', 'images')
export class ComputeImagesController {
  constructor(private readonly registry: ImageRegistry) {}

  private async page(auth: AuthContext, query: Query) {
    const page = parsePage(query);
    const status = queryString(query, 'status');
    const type = queryString(query, 'type');
    const server = queryString(query, 'server');
    const properties = [
      ...(type === 'snapshot' ? [{ key: 'image_type', value: 'snapshot' }] : []),
      ...(server ? [{ key: 'instance_uuid', value: server.split('/').pop() ?? '' }] : []),
    ];
    if (type !== undefined && type !== 'snapshot' && type !== 'base') {
      throw badRequest(`Invalid type filter [${type}]: expected snapshot or base`);
    }
    const rows = await this.registry.list(
      auth,
      {
        name: queryString(query, 'name'),
        status: status === undefined ? undefined : (STATUS_FILTER[status.toUpperCase()] ?? ['-']),
        minRamMb: queryInt(query, 'minRam'),
        minDiskGb: queryInt(query, 'minDisk'),
        changesSince: queryTime(query, 'changes-since'),
        properties,
        limit: page.limit,
      },
      page.marker,
    );
    return {
      page,
      rows: type === 'base' ? rows.filter((r) => !imageProperties(r).image_type) : rows,
    };
  }

  @Get()
  @Policy('compute:images:list')
  @ApiOperation({ summary: 'List images' })
  async list(
    @CurrentAuth() auth: AuthContext,
    @Query() query: Query,
    @Links() links: ComputeLinks,
  ) {
    const { page, rows } = await this.page(auth, query);
    const next = nextLinks(links, 'images', query, page, rows);
    return {
      images: rows.map((i) => computeImageSummary(i, links)),
      ...(next ? { images_links: next } : {}),
    };
  }

  @Get('detail')
  @Policy('compute:images:list')
  @ApiOperation({ summary: 'List images with details' })
  async detail(
    @CurrentAuth() auth: AuthContext,
    @Query() query: Query,
    @Links() links: ComputeLinks,
  ) {
    const { page, rows } = await this.page(auth, query);
    const next = nextLinks(links, 'images/detail', query, page, rows);
    return {
      images: rows.map((i) => computeImageDetail(i, links)),
      ...(next ? { images_links: next } : {}),
    };
  }

  @Get(':id')
  @Policy('compute:images:get')
  @ApiOperation({ summary: 'Show an image' })
  async show(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Links() links: ComputeLinks,
  ) {
    return { image: computeImageDetail(await this.registry.get(auth, id), links) };
  }

  @Delete(':id')
  @HttpCode(204)
  @Policy('compute:images:delete')
  @ApiOperation({ summary: 'Delete an image (owner or admin)' })
  async delete(@CurrentAuth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.registry.delete(auth, id);
  }

  @Get(':id/metadata')
  @Policy('compute:images:get')
  @ApiOperation({ summary: 'List image metadata' })
  async metadata(@CurrentAuth() auth: AuthContext, @Param('id') id: string) {
    return { metadata: imageProperties(await this.registry.get(auth, id)) };
  }

  @Post(':id/metadata')
  @HttpCode(200)
  @Policy('compute:images:update')
  @ApiOperation({ summary: 'Add or update image metadata items' })
  @ApiBody({ schema: openApiSchema(metadataBody) })
  async updateMetadata(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    const { metadata } = parseInput(metadataBody, requireObjectBody(body));
    return { metadata: await this.registry.setMetadata(auth, id, metadata, false) };
  }

  @Put(':id/metadata')
  @Policy('compute:images:update')
  @ApiOperation({ summary: 'Replace all image metadata' })
  @ApiBody({ schema: openApiSchema(metadataBody) })
  async replaceMetadata(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    const { metadata } = parseInput(metadataBody, requireObjectBody(body));
    return { metadata: await this.registry.setMetadata(auth, id, metadata, true) };
  }

  @Get(':id/metadata/:key')
  @Policy('compute:images:get')
  @ApiOperation({ summary: 'Show one image metadata item' })
  async metadataItem(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Param('key') key: string,
  ) {
    const metadata = imageProperties(await this.registry.get(auth, id));
    if (!(key in metadata)) throw notFound(`Image ${id} has no metadata item ${key}.`);
    return { meta: { [key]: metadata[key] } };
  }

  @Put(':id/metadata/:key')
  @Policy('compute:images:update')
  @ApiOperation({ summary: 'Set one image metadata item' })
  @ApiBody({ schema: openApiSchema(metaBody) })
  async setMetadataItem(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Param('key') key: string,
    @Body() body: unknown,
  ) {
    const { meta } = parseInput(metaBody, requireObjectBody(body));
    const keys = Object.keys(meta);
    if (keys.length !== 1)
      throw badRequest('Invalid input for field/attribute meta: exactly one item is required');
    if (keys[0] !== key) throw badRequest('Request body and URI mismatch');
    await this.registry.setMetadata(auth, id, meta, false);
    return { meta };
  }

  @Delete(':id/metadata/:key')
  @HttpCode(204)
  @Policy('compute:images:update')
  @ApiOperation({ summary: 'Delete one image metadata item' })
  async deleteMetadataItem(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Param('key') key: string,
  ): Promise<void> {
    await this.registry.deleteMetadata(auth, id, key);
  }
}
