import { Injectable } from '@nestjs/common';
import {
  PrismaService,
  type Backend,
  type BackendNode,
  type OperState,
  type Prisma,
} from '@nefos/database';

export interface ServerFilter {
  /** Operational state (BUILD, STARTED, STOPPED, ERROR, DESTROYED). */
  state?: OperState;
  /** Backend name. */
  backend?: string;
  /** Node the backend placed the server on. */
  node?: string;
  projectId?: string;
  userId?: string;
  /** Pending task name, or `any` for every server with one. */
  task?: string;
  /** Substring of the name or instance name; a full uuid matches the id. */
  q?: string;
  /** Only servers in BUILD or with a pending task for longer than the threshold. */
  stuck?: boolean;
  /** Include deleted servers. */
  deleted?: boolean;
}

export interface ServerPage {
  servers: AdminServerRow[];
  /** Marker for the next page (the last id), or null when this is the last page. */
  next: string | null;
  /** How many servers match the filter in all. */
  total: number;
}

export type AdminServerRow = Prisma.ServerGetPayload<{
  include: { backend: { select: { name: true } }; flavor: { select: { name: true } } };
}>;

export interface BackendWithNodes extends Backend {
  nodes: BackendNode[];
  /** Projects the backend is pinned to. */
  projects: Array<{ projectId: string }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The admin's read model of the fleet: servers by state and backend, backends, nodes. */
@Injectable()
export class FleetRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Live servers (not deleted) per backend name (`null`: not placed yet) and state. */
  async serverCounts(): Promise<
    Array<{ backend: string | null; state: OperState; count: number }>
  > {
    const [groups, names] = await Promise.all([
      this.prisma.server.groupBy({
        by: ['backendId', 'operstate'],
        where: { deleted: false },
        _count: { _all: true },
      }),
      this.backendNames(),
    ]);
    return groups.map((g) => ({
      backend: g.backendId ? (names.get(g.backendId) ?? g.backendId) : null,
      state: g.operstate,
      count: g._count._all,
    }));
  }

  /** Stuck servers per backend and why (`build` or `task`). */
  async stuckCounts(
    stuckBefore: Date,
  ): Promise<Array<{ backend: string | null; kind: 'build' | 'task'; count: number }>> {
    const [build, task, names] = await Promise.all([
      this.prisma.server.groupBy({
        by: ['backendId'],
        where: { deleted: false, operstate: 'BUILD', createdAt: { lt: stuckBefore } },
        _count: { _all: true },
      }),
      this.prisma.server.groupBy({
        by: ['backendId'],
        where: {
          deleted: false,
          operstate: { not: 'BUILD' },
          task: { not: null },
          updatedAt: { lt: stuckBefore },
        },
        _count: { _all: true },
      }),
      this.backendNames(),
    ]);
    const name = (id: string | null): string | null => (id ? (names.get(id) ?? id) : null);
    return [
      ...build.map((g) => ({
        backend: name(g.backendId),
        kind: 'build' as const,
        count: g._count._all,
      })),
      ...task.map((g) => ({
        backend: name(g.backendId),
        kind: 'task' as const,
        count: g._count._all,
      })),
    ];
  }

  /** Pending tasks per backend and task name. */
  async taskCounts(): Promise<Array<{ backend: string | null; task: string; count: number }>> {
    const [groups, names] = await Promise.all([
      this.prisma.server.groupBy({
        by: ['backendId', 'task'],
        where: { deleted: false, task: { not: null } },
        _count: { _all: true },
      }),
      this.backendNames(),
    ]);
    return groups.map((g) => ({
      backend: g.backendId ? (names.get(g.backendId) ?? g.backendId) : null,
      task: g.task ?? '',
      count: g._count._all,
    }));
  }

  backends(): Promise<BackendWithNodes[]> {
    return this.prisma.backend.findMany({
      orderBy: { name: 'asc' },
      include: {
        nodes: { orderBy: { name: 'asc' } },
        projects: { select: { projectId: true }, orderBy: { projectId: 'asc' } },
      },
    });
  }

  backend(name: string): Promise<BackendWithNodes | null> {
    return this.prisma.backend.findUnique({
      where: { name },
      include: {
        nodes: { orderBy: { name: 'asc' } },
        projects: { select: { projectId: true }, orderBy: { projectId: 'asc' } },
      },
    });
  }

  /**
   * One page of servers, newest first, keyed by the last id seen (stable under inserts); null
   * when the marker names no server.
   */
  async listServers(
    filter: ServerFilter,
    page: { limit: number; marker?: string },
    stuckBefore: Date,
  ): Promise<ServerPage | null> {
    const where = await this.serverWhere(filter, stuckBefore);
    let cursor: Prisma.ServerWhereInput | undefined;
    if (page.marker) {
      const m = UUID.test(page.marker)
        ? await this.prisma.server.findUnique({
            where: { id: page.marker },
            select: { id: true, createdAt: true },
          })
        : null;
      if (!m) return null;
      cursor = {
        OR: [{ createdAt: { lt: m.createdAt } }, { createdAt: m.createdAt, id: { lt: m.id } }],
      };
    }
    const [rows, total] = await Promise.all([
      this.prisma.server.findMany({
        where: cursor ? { AND: [where, cursor] } : where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: page.limit + 1,
        include: { backend: { select: { name: true } }, flavor: { select: { name: true } } },
      }),
      this.prisma.server.count({ where }),
    ]);
    const more = rows.length > page.limit;
    const servers = more ? rows.slice(0, page.limit) : rows;
    return { servers, next: more ? servers[servers.length - 1].id : null, total };
  }

  /** A server by id, backend instance name, or (when unique) name. */
  async findServer(ref: string): Promise<AdminServerRow[]> {
    const include = { backend: { select: { name: true } }, flavor: { select: { name: true } } };
    if (UUID.test(ref)) {
      const s = await this.prisma.server.findUnique({ where: { id: ref.toLowerCase() }, include });
      if (s) return [s];
    }
    const byInstance = await this.prisma.server.findUnique({
      where: { instanceName: ref },
      include,
    });
    if (byInstance) return [byInstance];
    return this.prisma.server.findMany({
      where: { name: ref },
      include,
      orderBy: [{ deleted: 'asc' }, { createdAt: 'desc' }],
      take: 20,
    });
  }

  /** Project and user names for the ids on a page (the server row holds only ids). */
  async names(
    projectIds: string[],
    userIds: string[],
  ): Promise<{ projects: Map<string, string>; users: Map<string, string> }> {
    const [projects, users] = await Promise.all([
      this.prisma.project.findMany({
        where: { id: { in: [...new Set(projectIds)] } },
        select: { id: true, name: true },
      }),
      this.prisma.user.findMany({
        where: { id: { in: [...new Set(userIds)] } },
        select: { id: true, name: true },
      }),
    ]);
    return {
      projects: new Map(projects.map((p) => [p.id, p.name])),
      users: new Map(users.map((u) => [u.id, u.name])),
    };
  }

  private async serverWhere(f: ServerFilter, stuckBefore: Date): Promise<Prisma.ServerWhereInput> {
    const and: Prisma.ServerWhereInput[] = [];
    if (!f.deleted) and.push({ deleted: false });
    if (f.state) and.push({ operstate: f.state });
    if (f.backend) and.push({ backend: { name: f.backend } });
    if (f.node) and.push({ hostNode: f.node });
    if (f.projectId) {
      // Operators type project names; ids work too.
      const p = await this.prisma.project.findMany({
        where: { OR: [{ id: f.projectId }, { name: f.projectId }] },
        select: { id: true },
      });
      and.push({ projectId: { in: p.length ? p.map((x) => x.id) : [f.projectId] } });
    }
    if (f.userId) and.push({ userId: f.userId });
    if (f.task === 'any') and.push({ task: { not: null } });
    else if (f.task) and.push({ task: f.task });
    if (f.q) {
      const q = f.q.trim();
      and.push({
        OR: [
          ...(UUID.test(q) ? [{ id: q.toLowerCase() }] : []),
          { name: { contains: q, mode: 'insensitive' } },
          { instanceName: { contains: q } },
        ],
      });
    }
    if (f.stuck) and.push(stuckWhere(stuckBefore));
    return { AND: and };
  }

  private async backendNames(): Promise<Map<string, string>> {
    const rows = await this.prisma.backend.findMany({ select: { id: true, name: true } });
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}

/** BUILD since before the threshold, or a task pending since before it. */
export function stuckWhere(stuckBefore: Date): Prisma.ServerWhereInput {
  return {
    OR: [
      { operstate: 'BUILD', createdAt: { lt: stuckBefore } },
      { task: { not: null }, updatedAt: { lt: stuckBefore } },
    ],
  };
}

/** Whether one server counts as stuck (same rule as `stuckWhere`). */
export function isStuck(
  s: { operstate: string; task: string | null; createdAt: Date; updatedAt: Date; deleted: boolean },
  stuckBefore: Date,
): boolean {
  if (s.deleted) return false;
  if (s.operstate === 'BUILD' && s.createdAt < stuckBefore) return true;
  return s.task !== null && s.updatedAt < stuckBefore;
}
