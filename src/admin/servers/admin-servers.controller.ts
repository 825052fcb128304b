import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { OperState } from '@nefos/contracts';
import { Policy } from '../../identity/policy/policy.decorator';
import { parseAdminInput, queryBool, queryLimit } from '../common/admin-input';
import {
  AdminServersService,
  type AdminServer,
  type AdminServerPage,
} from './admin-servers.service';
import type { ServerTrailView } from './server-trail.service';

const STATES = Object.values(OperState) as [OperState, ...OperState[]];

export const serverQuerySchema = z
  .object({
    state: z.enum(STATES).optional(),
    backend: z.string().min(1).max(64).optional(),
    node: z.string().min(1).max(255).optional(),
    project: z.string().min(1).max(255).optional(),
    user: z.string().min(1).max(64).optional(),
    task: z.string().min(1).max(64).optional(),
    q: z.string().min(1).max(255).optional(),
    stuck: queryBool.optional(),
    deleted: queryBool.optional(),
    limit: queryLimit(500, 50),
    marker: z.string().min(1).max(64).optional(),
  })
  .strict();

@ApiTags('admin')
@ApiSecurity('token')
@Controller('admin/api/servers')
export class AdminServersController {
  constructor(private readonly servers: AdminServersService) {}

  @Get()
  @Policy('admin:servers:list')
  @ApiOperation({ summary: 'Servers of every project, newest first, filtered and paged by marker' })
  @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiQuery({ name: 'backend', required: false })
  @ApiQuery({ name: 'node', required: false })
  @ApiQuery({ name: 'project', required: false, description: 'project id or name' })
  @ApiQuery({ name: 'user', required: false, description: 'user id' })
  @ApiQuery({ name: 'task', required: false, description: 'a task name, or "any"' })
  @ApiQuery({
    name: 'q',
    required: false,
    description: 'part of the name or instance name, or a full id',
  })
  @ApiQuery({ name: 'stuck', required: false, type: Boolean })
  @ApiQuery({ name: 'deleted', required: false, type: Boolean })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  @ApiQuery({ name: 'marker', required: false, description: 'the `next` of the previous page' })
  list(@Query() query: Record<string, unknown>): Promise<AdminServerPage> {
    const q = parseAdminInput(serverQuerySchema, query, 'query');
    return this.servers.list(
      {
        state: q.state,
        backend: q.backend,
        node: q.node,
        projectId: q.project,
        userId: q.user,
        task: q.task,
        q: q.q,
        stuck: q.stuck,
        deleted: q.deleted,
      },
      { limit: q.limit, marker: q.marker },
    );
  }

  @Get(':ref')
  @Policy('admin:servers:get')
  @ApiParam({ name: 'ref', description: 'server id, backend instance name, or unique name' })
  @ApiOperation({ summary: 'One server with its backend bookkeeping' })
  async get(@Param('ref') ref: string): Promise<{ server: AdminServer }> {
    return { server: await this.servers.get(ref) };
  }

  @Get(':ref/trail')
  @Policy('admin:servers:trail')
  @ApiParam({ name: 'ref' })
  @ApiQuery({
    name: 'jobs',
    required: false,
    type: Boolean,
    description: "read the jobs' op logs from the backend (default true)",
  })
  @ApiOperation({
    summary: "The server's trail: API requests (request ids) → RAPI jobs → events → state changes",
  })
  trail(
    @Param('ref') ref: string,
    @Query() query: Record<string, unknown>,
  ): Promise<{ server: AdminServer } & ServerTrailView> {
    const q = parseAdminInput(z.object({ jobs: queryBool.optional() }).strict(), query, 'query');
    return this.servers.trail(ref, q.jobs ?? true);
  }
}
