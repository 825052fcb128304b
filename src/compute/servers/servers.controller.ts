import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { PrismaService, ServerRepository } from '@nefos/database';
import { badRequest } from '../../common/errors/domain.error';
import { currentRequestId } from '../../common/request/request-id.middleware';
import type { AuthContext } from '../../identity/auth/auth-context';
import { CurrentAuth } from '../../identity/auth/current-auth.decorator';
import { Policy } from '../../identity/policy/policy.decorator';
import { ComputeController, Links } from '../common/compute.decorators';
import type { ComputeLinks } from '../common/compute-links';
import { issueMessage, openApiSchema, parseInput, requireObjectBody } from '../common/validation';
import { ServerActionRegistry } from './actions/server-action.registry';
import { serverCreateSchema, serverUpdateSchema } from './server.schemas';
import { serverDetail } from './server.view';
import { ServerCreateService } from './server-create.service';
import { ServerDeleteService } from './server-delete.service';
import { ServerQueryService } from './server-query.service';
import { ServerTaskRunner } from './server-task.runner';

type Query = Record<string, unknown>;

@ComputeController('servers', 'servers')
export class ServersController {
  constructor(
    private readonly query: ServerQueryService,
    private readonly creator: ServerCreateService,
    private readonly deleter: ServerDeleteService,
    private readonly actions: ServerActionRegistry,
    private readonly prisma: PrismaService,
    private readonly servers: ServerRepository,
    private readonly runner: ServerTaskRunner,
  ) {}

  @Get()
  @Policy('compute:servers:list')
  @ApiOperation({
    summary:
      'List servers (name regex, status, image, flavor, ip, changes-since, all_tenants, limit, marker)',
  })
  list(@CurrentAuth() auth: AuthContext, @Query() query: Query, @Links() links: ComputeLinks) {
    return this.query.list(auth, query, links, false);
  }

  @Get('detail')
  @Policy('compute:servers:list')
  @ApiOperation({ summary: 'List servers with details' })
  detail(@CurrentAuth() auth: AuthContext, @Query() query: Query, @Links() links: ComputeLinks) {
    return this.query.list(auth, query, links, true);
  }

  @Get(':id')
  @Policy('compute:servers:get')
  @ApiOperation({ summary: 'Show a server' })
  async show(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Links() links: ComputeLinks,
  ) {
    return {
      server: serverDetail(await this.query.get(auth, id), { links, isAdmin: auth.isAdmin }),
    };
  }

  @Post()
  @HttpCode(202)
  @Policy('compute:servers:create')
  @ApiOperation({
    summary: 'Create a server (answers at once; the server builds in the background)',
  })
  @ApiBody({ schema: openApiSchema(serverCreateSchema) })
  @ApiResponse({ status: 202, description: 'Accepted, with a Location header' })
  @ApiResponse({ status: 403, description: 'Quota exceeded' })
  async create(
    @CurrentAuth() auth: AuthContext,
    @Body() body: unknown,
    @Links() links: ComputeLinks,
    @Res({ passthrough: true }) res: Response,
  ) {
    const parsed = parseInput(serverCreateSchema, requireObjectBody(body));
    const hinted =
      parsed['os:scheduler_hints'] !== undefined ||
      parsed['OS-SCH-HNT:scheduler_hints'] !== undefined;
    const [first] = await this.creator.create(auth, parsed.server, hinted);
    res.setHeader('Location', links.self('servers', first.id));
    return {
      server: {
        id: first.id,
        links: links.pair('servers', first.id),
        adminPass: first.adminPass,
        'OS-DCF:diskConfig': first.diskConfig,
        security_groups: [],
      },
    };
  }

  @Put(':id')
  @Policy('compute:servers:update')
  @ApiOperation({ summary: 'Rename a server or change its access addresses' })
  @ApiBody({ schema: openApiSchema(serverUpdateSchema) })
  async update(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Links() links: ComputeLinks,
  ) {
    const { server: u } = parseInput(serverUpdateSchema, requireObjectBody(body));
    await this.prisma.$transaction(async (tx) => {
      const s = await this.runner.lockVisible(tx, auth, id);
      await this.servers.update(tx, s.id, {
        ...(u.name !== undefined ? { name: u.name } : {}),
        ...(u.accessIPv4 !== undefined ? { accessIpv4: u.accessIPv4 || null } : {}),
        ...(u.accessIPv6 !== undefined ? { accessIpv6: u.accessIPv6 || null } : {}),
        ...(u['OS-DCF:diskConfig'] ? { diskConfig: u['OS-DCF:diskConfig'] } : {}),
      });
      await this.servers.trail(tx, {
        serverId: s.id,
        source: 'api',
        requestId: currentRequestId() ?? null,
        message: `update by user ${auth.userId}: ${Object.keys(u).join(', ') || 'nothing'}`,
      });
    });
    return {
      server: serverDetail(await this.query.get(auth, id), { links, isAdmin: auth.isAdmin }),
    };
  }

  @Delete(':id')
  @HttpCode(204)
  @Policy('compute:servers:delete')
  @ApiOperation({ summary: 'Delete a server (allowed in any state; wins over a pending task)' })
  async delete(@CurrentAuth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.deleter.delete(auth, id);
  }

  @Post(':id/action')
  @Policy('compute:servers:action')
  @ApiOperation({
    summary:
      'Run an action: reboot, os-start, os-stop, resize, confirmResize, revertResize, rebuild, changePassword, createImage, and the actions other modules register',
  })
  @ApiBody({ schema: { type: 'object', description: 'exactly one action key' } })
  async action(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Links() links: ComputeLinks,
    @Res({ passthrough: true }) res: Response,
  ) {
    const obj = requireObjectBody(body);
    const keys = Object.keys(obj);
    if (keys.length !== 1) {
      throw badRequest(`The action body must hold exactly one action, got ${keys.length}`);
    }
    const key = keys[0];
    const handler = this.actions.get(key);
    if (!handler) throw badRequest(`There is no such action: ${key}`);
    const parsed = handler.schema.safeParse(obj[key]);
    if (!parsed.success) throw badRequest(issueMessage(key, parsed.error.issues[0], obj[key]));
    const server = await this.query.get(auth, id);
    const result = await handler.execute(
      { auth, server, requestId: currentRequestId() ?? null, links },
      parsed.data,
    );
    res.status(result.status);
    return result.body;
  }
}
