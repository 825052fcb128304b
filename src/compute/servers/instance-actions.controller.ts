import { Get, Injectable, Param } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { PrismaService } from '@nefos/database';
import { notFound } from '../../common/errors/domain.error';
import type { AuthContext } from '../../identity/auth/auth-context';
import { CurrentAuth } from '../../identity/auth/current-auth.decorator';
import { Policy } from '../../identity/policy/policy.decorator';
import { ComputeController } from '../common/compute.decorators';
import { ServerQueryService } from './server-query.service';
import { instanceActions, type InstanceAction, type TrailRow } from './instance-actions.view';

// Trail lines that belong to user requests (console admissions and hook reports do not).
const ACTION_SOURCES = ['api', 'rapi', 'event', 'reconcile'];

/** The trail rows instance actions are built from. */
@Injectable()
export class InstanceActionTrail {
  constructor(private readonly prisma: PrismaService) {}

  rows(serverId: string, requestId?: string): Promise<TrailRow[]> {
    return this.prisma.serverTrail.findMany({
      where: {
        serverId,
        source: { in: ACTION_SOURCES },
        requestId: requestId ?? { not: null },
      },
      orderBy: { id: 'asc' },
      select: {
        id: true,
        at: true,
        source: true,
        requestId: true,
        jobId: true,
        opcode: true,
        status: true,
        message: true,
        data: true,
      },
    });
  }
}

function listItem(a: InstanceAction): Omit<InstanceAction, 'events'> {
  const { events: _events, ...item } = a;
  return item;
}

/**
 * `os-instance-actions`: what was asked of a server and how each request ended, as
 * `openstack server event list|show` and `nova instance-action-list` read it. A request whose
 * backend job failed (a reboot of a guest that will not stop, a start refused by the backend)
 * shows `"message": "Error: <the backend's reason>"`; the server keeps its state and no fault.
 */
@ComputeController('servers/:id/os-instance-actions', 'servers')
export class InstanceActionsController {
  constructor(
    private readonly query: ServerQueryService,
    private readonly trail: InstanceActionTrail,
  ) {}

  @Get()
  @Policy('compute:servers:instance_actions:list')
  @ApiOperation({ summary: "List a server's actions (requests and how they ended)" })
  async list(@CurrentAuth() auth: AuthContext, @Param('id') id: string) {
    const server = await this.query.get(auth, id);
    const actions = instanceActions(server, await this.trail.rows(server.id), auth.isAdmin);
    return { instanceActions: actions.map(listItem) };
  }

  @Get(':requestId')
  @Policy('compute:servers:instance_actions:get')
  @ApiOperation({ summary: 'Show one action with its events (one per backend job)' })
  async show(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Param('requestId') requestId: string,
  ) {
    const server = await this.query.get(auth, id);
    const [action] = instanceActions(
      server,
      await this.trail.rows(server.id, requestId),
      auth.isAdmin,
    );
    if (!action) throw notFound(`Action ${requestId} on instance ${id} could not be found.`);
    return { instanceAction: action };
  }
}
