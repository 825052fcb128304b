import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { OperState, Prisma } from '../generated/prisma/client';

export interface ConsoleServerRow {
  id: string;
  projectId: string;
  userId: string;
  operstate: OperState;
  task: string | null;
  deleted: boolean;
  instanceName: string;
  backendId: string | null;
}

/**
 * What the console proxy (and the API when it mints a console) needs to know about servers and
 * their owners: a narrow read model, so the proxy depends on no compute code.
 */
@Injectable()
export class ConsoleAccessRepository {
  constructor(private readonly prisma: PrismaService) {}

  server(id: string): Promise<ConsoleServerRow | null> {
    return this.prisma.server.findUnique({ where: { id }, select: SERVER_FIELDS });
  }

  servers(ids: string[]): Promise<ConsoleServerRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.prisma.server.findMany({ where: { id: { in: ids } }, select: SERVER_FIELDS });
  }

  /**
   * The `userId/projectId` pairs (of those given) whose user may still reach the project's
   * servers: the user is enabled and holds a role on the enabled project, or holds `admin` on
   * any enabled project (cloud administrators, as the API's `admin` rule).
   */
  async activeMemberships(
    pairs: Array<{ userId: string; projectId: string }>,
  ): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows = await this.prisma.roleAssignment.findMany({
      where: {
        userId: { in: [...new Set(pairs.map((p) => p.userId))] },
        user: { enabled: true },
        project: { enabled: true },
      },
      select: { userId: true, projectId: true, role: { select: { name: true } } },
    });
    const member = new Set(rows.map((r) => membershipKey(r.userId, r.projectId)));
    const admins = new Set(rows.filter((r) => r.role.name === 'admin').map((r) => r.userId));
    return new Set(
      pairs
        .filter((p) => admins.has(p.userId) || member.has(membershipKey(p.userId, p.projectId)))
        .map((p) => membershipKey(p.userId, p.projectId)),
    );
  }

  /** Appends to the server's trail (source `console`), for operators following one server. */
  async trail(
    serverId: string,
    requestId: string | null,
    message: string,
    data?: Record<string, unknown>,
  ): Promise<void> {
    await this.prisma.serverTrail.create({
      data: {
        serverId,
        source: 'console',
        requestId,
        message,
        ...(data ? { data: JSON.parse(JSON.stringify(data)) as Prisma.InputJsonObject } : {}),
      },
    });
  }

  /** Answers when the database does. */
  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }
}

export function membershipKey(userId: string, projectId: string): string {
  return `${userId}/${projectId}`;
}

const SERVER_FIELDS = {
  id: true,
  projectId: true,
  userId: true,
  operstate: true,
  task: true,
  deleted: true,
  instanceName: true,
  backendId: true,
} as const;
