import { Inject, Injectable } from '@nestjs/common';
import { NEFOS_CONFIG, viewServerState, type NefosConfig } from '@nefos/contracts';
import { badRequest, notFound } from '../../common/errors/domain.error';
import {
  FleetRepository,
  isStuck,
  type AdminServerRow,
  type ServerFilter,
} from '../inventory/fleet.repository';
import { ServerTrailService, type ServerTrailView } from './server-trail.service';

export interface AdminServer {
  id: string;
  name: string;
  /** What OpenStack clients see (ACTIVE, SHUTOFF, BUILD, REBOOT, ...). */
  status: string;
  operstate: string;
  task: string | null;
  taskJobId: number | null;
  stuck: boolean;
  backend: string | null;
  node: string | null;
  instanceName: string;
  projectId: string;
  projectName: string | null;
  userId: string;
  userName: string | null;
  flavor: string;
  backendJobId: number | null;
  backendJobStatus: string | null;
  backendOpcode: string | null;
  backendLogMsg: string | null;
  buildProgress: number;
  fault: { code: number | null; message: string; at: string | null } | null;
  deleted: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface AdminServerPage {
  servers: AdminServer[];
  next: string | null;
  total: number;
  stuckAfterSeconds: number;
}

/** Servers across every project, for operators: paged lists, one server, its trail. */
@Injectable()
export class AdminServersService {
  constructor(
    private readonly fleet: FleetRepository,
    private readonly trails: ServerTrailService,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  stuckBefore(): Date {
    return new Date(Date.now() - this.config.compute.stuckAfterSeconds * 1000);
  }

  async list(
    filter: ServerFilter,
    page: { limit: number; marker?: string },
  ): Promise<AdminServerPage> {
    const stuckBefore = this.stuckBefore();
    const result = await this.fleet.listServers(filter, page, stuckBefore);
    if (!result) throw badRequest(`marker ${page.marker} could not be found.`);
    const names = await this.fleet.names(
      result.servers.map((s) => s.projectId),
      result.servers.map((s) => s.userId),
    );
    return {
      servers: result.servers.map((s) => view(s, stuckBefore, names)),
      next: result.next,
      total: result.total,
      stuckAfterSeconds: this.config.compute.stuckAfterSeconds,
    };
  }

  /** One server by id, instance name or unique name. */
  async get(ref: string): Promise<AdminServer> {
    const found = await this.fleet.findServer(ref);
    if (found.length === 0) throw notFound(`Server ${ref} could not be found.`);
    if (found.length > 1) {
      throw badRequest(
        `${found.length} servers are named ${ref}: give an id (${found
          .slice(0, 5)
          .map((s) => s.id)
          .join(', ')}${found.length > 5 ? ', ...' : ''}).`,
      );
    }
    const names = await this.fleet.names([found[0].projectId], [found[0].userId]);
    return view(found[0], this.stuckBefore(), names);
  }

  async trail(ref: string, withJobs: boolean): Promise<{ server: AdminServer } & ServerTrailView> {
    const server = await this.get(ref);
    const trail = await this.trails.forServer(
      { id: server.id, backend: server.backend ? { name: server.backend } : null },
      { withJobs },
    );
    return { server, ...trail };
  }
}

function view(
  s: AdminServerRow,
  stuckBefore: Date,
  names: { projects: Map<string, string>; users: Map<string, string> },
): AdminServer {
  const state = viewServerState({
    operstate: s.operstate,
    task: s.task,
    deleted: s.deleted,
    resizePending: s.resizePending,
  });
  return {
    id: s.id,
    name: s.name,
    status: state.status,
    operstate: s.operstate,
    task: s.task,
    taskJobId: s.taskJobId,
    stuck: isStuck(s, stuckBefore),
    backend: s.backend?.name ?? null,
    node: s.hostNode,
    instanceName: s.instanceName,
    projectId: s.projectId,
    projectName: names.projects.get(s.projectId) ?? null,
    userId: s.userId,
    userName: names.users.get(s.userId) ?? null,
    flavor: s.flavor.name,
    backendJobId: s.backendJobId,
    backendJobStatus: s.backendJobStatus,
    backendOpcode: s.backendOpcode,
    backendLogMsg: s.backendLogMsg,
    buildProgress: s.buildProgress,
    fault: s.faultMessage
      ? { code: s.faultCode, message: s.faultMessage, at: s.faultAt?.toISOString() ?? null }
      : null,
    deleted: s.deleted,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
