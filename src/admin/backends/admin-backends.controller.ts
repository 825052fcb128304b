import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
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

const projectList = z.array(z.string().min(1).max(255)).max(1000);
const connection = {
  rapiUrl: z.string().min(1).max(2000),
  rapiUser: z.string().regex(/^\S+$/, 'no spaces allowed').max(255),
  rapiPassword: z.string().regex(/^\S+$/, 'no spaces allowed').max(1000),
  hypervisor: z.string().min(1).max(64),
};

const addSchema = z
  .object({
    name: z.string().min(1).max(63),
    rapiUrl: connection.rapiUrl,
    rapiUser: connection.rapiUser.default('nefos'),
    rapiPassword: connection.rapiPassword,
    hypervisor: connection.hypervisor.optional(),
    drained: z.boolean().optional(),
    offline: z.boolean().optional(),
    public: z.boolean().optional(),
    projects: projectList.optional(),
    check: z.boolean().default(true),
  })
  .strict();

const modifySchema = z
  .object({
    rapiUrl: connection.rapiUrl.optional(),
    rapiUser: connection.rapiUser.optional(),
    rapiPassword: connection.rapiPassword.optional(),
    hypervisor: connection.hypervisor.optional(),
    drained: z.boolean().optional(),
    offline: z.boolean().optional(),
    public: z.boolean().optional(),
    projects: projectList.optional(),
    pin: projectList.optional(),
    unpin: projectList.optional(),
    check: z.boolean().default(true),
  })
  .strict()
  .refine((v) => Object.entries(v).some(([k, x]) => k !== 'check' && x !== undefined), {
    message:
      'nothing to change: give rapiUrl, rapiUser, rapiPassword, hypervisor, drained, offline, public, projects, pin or unpin',
  });

const FLAGS_BODY = {
  schema: {
    type: 'object',
    properties: { drained: { type: 'boolean' }, offline: { type: 'boolean' } },
    additionalProperties: false,
  },
} as const;

const PROJECTS = {
  type: 'array',
  items: { type: 'string' },
  description: 'project ids (or names no other domain uses)',
} as const;
const BACKEND_PROPERTIES = {
  rapiUrl: { type: 'string', example: 'https://cluster.example.com:5080' },
  rapiUser: { type: 'string', description: 'RAPI user with write access (default nefos)' },
  rapiPassword: { type: 'string', writeOnly: true },
  hypervisor: { type: 'string', example: 'kvm' },
  drained: { type: 'boolean', description: 'no new servers are placed on it' },
  offline: {
    type: 'boolean',
    description:
      'not contacted at all; actions, deletes and consoles of its servers answer 503 meanwhile',
  },
  public: {
    type: 'boolean',
    description:
      'any project may get servers here; false: only the pinned projects (default: true unless projects are given)',
  },
  check: {
    type: 'boolean',
    description: 'check first that the RAPI answers with these credentials (default true)',
  },
} as const;

const ADD_BODY = {
  schema: {
    type: 'object',
    required: ['name', 'rapiUrl', 'rapiPassword'] as string[],
    properties: {
      name: {
        type: 'string',
        description: "the cluster's name: eventd and the hooks beside its master must use it",
      },
      ...BACKEND_PROPERTIES,
      projects: { ...PROJECTS, description: 'pin the backend to these projects' },
    },
    additionalProperties: false,
  },
} as const;

const MODIFY_BODY = {
  schema: {
    type: 'object',
    properties: {
      ...BACKEND_PROPERTIES,
      projects: { ...PROJECTS, description: 'replace the pinned projects with these' },
      pin: { ...PROJECTS, description: 'pin these projects as well' },
      unpin: { ...PROJECTS, description: 'unpin these projects' },
    },
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
  @ApiOperation({
    summary: 'Backends with their nodes, capacity, drained/offline state and pinned projects',
  })
  async list(): Promise<{ backends: BackendView[] }> {
    return { backends: (await this.fleet.backends()).map(backendView) };
  }

  @Post()
  @HttpCode(201)
  @Policy('admin:backends:create')
  @ApiBody(ADD_BODY)
  @ApiOperation({
    summary:
      'Add a backend (a Nefos or Ganeti cluster reached over RAPI); its RAPI is checked first unless check is false. 409 if the name is taken',
  })
  async add(
    @Body() body: unknown,
  ): Promise<{ backend: BackendView; refresh: { ok: boolean; error?: string } | null }> {
    const { check, ...input } = parseAdminInput(addSchema, body, 'body');
    const { backend, refresh } = await this.backends.add(input, check);
    return {
      ...(await this.get(backend.name)),
      refresh: refresh
        ? { ok: refresh.ok, ...(refresh.error ? { error: refresh.error } : {}) }
        : null,
    };
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
  @ApiBody(MODIFY_BODY)
  @ApiOperation({
    summary:
      'Change a backend: drain it (no new servers), take it offline (not contacted at all), make it public or pin it to projects, or change its RAPI address and credentials',
  })
  async update(
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<{ backend: BackendView }> {
    const { check, ...changes } = parseAdminInput(modifySchema, body, 'body');
    await this.backends.modify(name, changes, check);
    return this.get(name);
  }

  @Delete(':name')
  @HttpCode(204)
  @Policy('admin:backends:delete')
  @ApiParam({ name: 'name' })
  @ApiOperation({
    summary:
      'Remove a backend; 409 while servers that are not deleted live on it (a server stays on its backend for life)',
  })
  async remove(@Param('name') name: string): Promise<void> {
    await this.backends.remove(name);
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
