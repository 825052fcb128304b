import { Body, Controller, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Request } from 'express';
import { notFound } from '../../common/errors/domain.error';
import { Policy } from '../../identity/policy/policy.decorator';
import { parseAdminInput } from '../common/admin-input';
import { FleetRepository } from '../inventory/fleet.repository';
import { BackendAdminService, type NodeChangeResult } from './backend-admin.service';
import { backendView, nodeView, type BackendView, type NodeView } from './backend.view';

const flagsSchema = z
  .object({ drained: z.boolean().optional(), offline: z.boolean().optional() })
  .strict()
  .refine((v) => v.drained !== undefined || v.offline !== undefined, {
    message: 'give drained and/or offline',
  });

const FLAGS_BODY = {
  schema: {
    type: 'object',
    properties: { drained: { type: 'boolean' }, offline: { type: 'boolean' } },
    additionalProperties: false,
  },
} as const;

@ApiTags('admin')
@ApiSecurity('token')
@Controller('admin/api/backends')
export class AdminBackendsController {
  constructor(
    private readonly fleet: FleetRepository,
    private readonly backends: BackendAdminService,
  ) {}

  @Get()
  @Policy('admin:backends:list')
  @ApiOperation({ summary: 'Backends with their nodes, capacity and drained/offline state' })
  async list(): Promise<{ backends: BackendView[] }> {
    return { backends: (await this.fleet.backends()).map(backendView) };
  }

  @Get(':name')
  @Policy('admin:backends:get')
  @ApiParam({ name: 'name', description: 'backend (cluster) name' })
  @ApiOperation({ summary: 'One backend with its nodes' })
  async get(@Param('name') name: string): Promise<{ backend: BackendView }> {
    const b = await this.fleet.backend(name);
    if (!b) throw notFound(`Backend ${name} could not be found.`);
    return { backend: backendView(b) };
  }

  @Patch(':name')
  @Policy('admin:backends:update')
  @ApiParam({ name: 'name' })
  @ApiBody(FLAGS_BODY)
  @ApiOperation({
    summary: 'Drain a backend (no new servers) or take it offline (not contacted at all)',
  })
  async update(
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<{ backend: BackendView }> {
    const flags = parseAdminInput(flagsSchema, body, 'body');
    await this.backends.modify(name, flags);
    return this.get(name);
  }

  @Post(':name/refresh')
  @HttpCode(200)
  @Policy('admin:backends:refresh')
  @ApiParam({ name: 'name' })
  @ApiOperation({ summary: "Re-read the backend's nodes and capacity through RAPI now" })
  async refresh(
    @Param('name') name: string,
  ): Promise<{ backend: BackendView; refresh: { ok: boolean; error?: string } }> {
    const r = await this.backends.refresh(name);
    return {
      ...(await this.get(name)),
      refresh: { ok: r.ok, ...(r.error ? { error: r.error } : {}) },
    };
  }

  @Patch(':name/nodes/:node')
  @Policy('admin:nodes:update')
  @ApiParam({ name: 'name' })
  @ApiParam({ name: 'node' })
  @ApiBody(FLAGS_BODY)
  @ApiOperation({
    summary:
      'Drain or offline a node through RAPI (POST /2/nodes/{node}/modify); answers when the job ends, or with its id after 20 s',
  })
  async updateNode(
    @Param('name') name: string,
    @Param('node') node: string,
    @Body() body: unknown,
    @Req() req: Request & { requestId?: string },
  ): Promise<Omit<NodeChangeResult, 'current'> & { node: string; current: NodeView | null }> {
    const flags = parseAdminInput(flagsSchema, body, 'body');
    const r = await this.backends.setNodeFlags(name, node, flags, req.requestId);
    return { ...r, current: r.current ? nodeView(r.current) : null };
  }
}
