import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { Prisma } from '../generated/prisma/client';
import type { OperState, Server } from '../generated/prisma/client';

type Tx = Prisma.TransactionClient;

/** Everything a server view shows besides the row itself. */
export const SERVER_VIEW_INCLUDE = {
  metadata: { orderBy: { key: 'asc' } },
  ports: {
    orderBy: [{ nicIndex: 'asc' }, { createdAt: 'asc' }],
    include: {
      network: { select: { id: true, name: true } },
      addresses: {
        orderBy: { createdAt: 'asc' },
        include: { subnet: { select: { ipVersion: true } } },
      },
    },
  },
  attachments: { orderBy: { createdAt: 'asc' }, select: { volumeId: true } },
} satisfies Prisma.ServerInclude;

export type ServerWithView = Prisma.ServerGetPayload<{ include: typeof SERVER_VIEW_INCLUDE }>;

export interface ServerScope {
  /** The caller's project. */
  projectId: string;
  /** Admin listing every project (`all_tenants`), optionally narrowed to one. */
  allTenants?: boolean;
  tenantId?: string;
}

export interface ServerListFilter {
  /** POSIX regular expression on the name (Nova matches names as regexes). */
  nameRegex?: string;
  /** OpenStack statuses (see STATUS_SQL). */
  statuses?: string[];
  imageId?: string;
  flavorId?: string;
  /** Regular expression on the IPv4 / IPv6 addresses. */
  ipRegex?: string;
  ip6Regex?: string;
  /** Includes deleted servers changed since then. */
  changesSince?: Date;
  limit: number;
  marker?: string;
}

/**
 * The OpenStack status of a row in SQL, mirroring `viewServerState` in libs/contracts (a medium
 * test checks the two agree on every combination), so `?status=` filters in the database.
 */
export const STATUS_SQL = Prisma.sql`(CASE
  WHEN s."deleted" OR s."operstate" = 'DESTROYED' THEN 'DELETED'
  WHEN s."resizePending" AND s."operstate" <> 'ERROR' AND s."task" IS NULL THEN 'VERIFY_RESIZE'
  WHEN s."operstate" = 'ERROR' THEN 'ERROR'
  WHEN s."task" = 'rebooting' THEN 'REBOOT'
  WHEN s."task" = 'rebooting_hard' THEN 'HARD_REBOOT'
  WHEN s."task" IN ('resize_prep', 'resize_finish') THEN 'RESIZE'
  WHEN s."task" = 'resize_reverting' THEN 'REVERT_RESIZE'
  WHEN s."task" = 'rebuilding' THEN 'REBUILD'
  WHEN s."task" = 'updating_password' THEN 'PASSWORD'
  WHEN s."operstate" = 'BUILD' THEN 'BUILD'
  WHEN s."operstate" = 'STARTED' THEN 'ACTIVE'
  WHEN s."operstate" = 'STOPPED' THEN 'SHUTOFF'
END)`;

type ViewRelations = Pick<ServerWithView, 'metadata' | 'ports' | 'attachments'>;
type PortJson = Omit<ServerWithView['ports'][number], 'createdAt' | 'updatedAt' | 'addresses'> & {
  createdAt: string;
  updatedAt: string;
  addresses: Array<
    Omit<ServerWithView['ports'][number]['addresses'][number], 'createdAt'> & { createdAt: string }
  >;
};

const parsed = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/**
 * What SERVER_VIEW_INCLUDE loads for one server (same rows, same order) in one statement: as a
 * Prisma include it was a query per relation (six), which made GET /servers/{id} the slowest
 * read against its raw-SQL floor (bench/README.md). A medium test compares the two.
 */
async function viewRelations(tx: Tx, id: string): Promise<ViewRelations> {
  const [row] = await tx.$queryRaw<
    Array<{
      metadata: ServerWithView['metadata'] | string;
      ports: PortJson[] | string;
      attachments: ServerWithView['attachments'] | string;
    }>
  >`SELECT
      (SELECT coalesce(jsonb_agg(to_jsonb(m) ORDER BY m."key"), '[]')
         FROM "ServerMetadata" m WHERE m."serverId" = ${id}::uuid) AS "metadata",
      (SELECT coalesce(jsonb_agg(to_jsonb(p) || jsonb_build_object(
           'network', jsonb_build_object('id', n."id", 'name', n."name"),
           'addresses', (SELECT coalesce(jsonb_agg(to_jsonb(a) || jsonb_build_object(
                 'subnet', jsonb_build_object('ipVersion', sn."ipVersion")) ORDER BY a."createdAt"), '[]')
               FROM "IpAddress" a JOIN "Subnet" sn ON sn."id" = a."subnetId"
              WHERE a."portId" = p."id"))
           ORDER BY p."nicIndex", p."createdAt"), '[]')
         FROM "Port" p JOIN "Network" n ON n."id" = p."networkId"
        WHERE p."serverId" = ${id}::uuid) AS "ports",
      (SELECT coalesce(jsonb_agg(jsonb_build_object('volumeId', v."volumeId") ORDER BY v."createdAt"), '[]')
         FROM "VolumeAttachment" v WHERE v."serverId" = ${id}::uuid) AS "attachments"`;
  return {
    metadata: parsed(row.metadata),
    ports: parsed(row.ports).map((port) => ({
      ...port,
      createdAt: new Date(port.createdAt),
      updatedAt: new Date(port.updatedAt),
      addresses: port.addresses.map((a) => ({ ...a, createdAt: new Date(a.createdAt) })),
    })),
    attachments: parsed(row.attachments),
  };
}

export class InvalidRegexError extends Error {}
export class MarkerNotFoundError extends Error {}

@Injectable()
export class ServerRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A live server the caller may see (its project's, or any for admins), with its view data. */
  async findVisible(
    id: string,
    scope: { projectId: string; all: boolean },
    tx: Tx = this.prisma,
  ): Promise<ServerWithView | null> {
    if (!isUuid(id)) return null;
    const server = await tx.server.findFirst({
      where: { id, deleted: false, ...(scope.all ? {} : { projectId: scope.projectId }) },
    });
    return server && { ...server, ...(await viewRelations(tx, id)) };
  }

  async findWithView(id: string, tx: Tx = this.prisma): Promise<ServerWithView | null> {
    if (!isUuid(id)) return null;
    const server = await tx.server.findUnique({ where: { id } });
    return server && { ...server, ...(await viewRelations(tx, id)) };
  }

  /** Locks the row for the rest of the transaction (the dispatcher takes the same lock). */
  async lock(tx: Tx, id: string): Promise<Server | null> {
    if (!isUuid(id)) return null;
    await tx.$queryRaw`SELECT "id" FROM "Server" WHERE "id" = ${id}::uuid FOR UPDATE`;
    return tx.server.findUnique({ where: { id } });
  }

  create(tx: Tx, data: Prisma.ServerUncheckedCreateInput): Promise<Server> {
    return tx.server.create({ data });
  }

  update(tx: Tx, id: string, data: Prisma.ServerUncheckedUpdateInput): Promise<Server> {
    return tx.server.update({ where: { id }, data });
  }

  /** One page of servers, newest first; ids only (the caller loads the views). */
  async listIds(scope: ServerScope, f: ServerListFilter): Promise<string[]> {
    const where: Prisma.Sql[] = [];
    if (!scope.allTenants) where.push(Prisma.sql`s."projectId" = ${scope.projectId}`);
    else if (scope.tenantId) where.push(Prisma.sql`s."projectId" = ${scope.tenantId}`);
    if (f.changesSince) where.push(Prisma.sql`s."updatedAt" >= ${f.changesSince}`);
    else where.push(Prisma.sql`NOT s."deleted"`);
    if (f.nameRegex !== undefined) where.push(Prisma.sql`s."name" ~ ${f.nameRegex}`);
    if (f.statuses) where.push(Prisma.sql`${STATUS_SQL} IN (${Prisma.join(f.statuses)})`);
    if (f.imageId !== undefined) {
      if (!isUuid(f.imageId)) return [];
      where.push(Prisma.sql`s."imageId" = ${f.imageId}::uuid`);
    }
    if (f.flavorId !== undefined) where.push(Prisma.sql`s."flavorId" = ${f.flavorId}`);
    for (const [re, version] of [
      [f.ipRegex, 4],
      [f.ip6Regex, 6],
    ] as const) {
      if (re === undefined) continue;
      where.push(Prisma.sql`EXISTS (SELECT 1 FROM "Port" p
        JOIN "IpAddress" a ON a."portId" = p."id" JOIN "Subnet" sn ON sn."id" = a."subnetId"
        WHERE p."serverId" = s."id" AND sn."ipVersion" = ${version} AND a."address" ~ ${re})`);
    }
    if (f.marker !== undefined) {
      const m = isUuid(f.marker)
        ? await this.prisma.server.findFirst({
            where: {
              id: f.marker,
              ...(scope.allTenants ? {} : { projectId: scope.projectId }),
            },
            select: { id: true, createdAt: true },
          })
        : null;
      if (!m) throw new MarkerNotFoundError(`marker [${f.marker}] not found`);
      where.push(
        Prisma.sql`(s."createdAt", s."id") < (${m.createdAt}::timestamptz, ${m.id}::uuid)`,
      );
    }
    try {
      const rows = await this.prisma.$queryRaw<Array<{ id: string }>>`
        SELECT s."id" FROM "Server" s WHERE ${Prisma.join(where, ' AND ')}
        ORDER BY s."createdAt" DESC, s."id" DESC LIMIT ${f.limit}`;
      return rows.map((r) => r.id);
    } catch (err) {
      // 2201B: invalid_regular_expression, from a client's name/ip filter.
      if (
        String((err as { message?: string }).message).includes('2201B') ||
        /invalid regular expression/i.test(String(err))
      ) {
        throw new InvalidRegexError('invalid regular expression');
      }
      throw err;
    }
  }

  /** Ids and names only, in the given order (list views without details). */
  async loadNames(ids: string[]): Promise<Array<{ id: string; name: string }>> {
    if (ids.length === 0) return [];
    const rows = await this.prisma.server.findMany({
      where: { id: { in: ids } },
      select: { id: true, name: true },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is { id: string; name: string } => !!r);
  }

  async loadViews(ids: string[]): Promise<ServerWithView[]> {
    if (ids.length === 0) return [];
    const rows = await this.prisma.server.findMany({
      where: { id: { in: ids } },
      include: SERVER_VIEW_INCLUDE,
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is ServerWithView => r !== undefined);
  }

  /** Evaluates STATUS_SQL for given values (used by the consistency test). */
  async statusOf(row: {
    operstate: OperState;
    task: string | null;
    deleted: boolean;
    resizePending: boolean;
  }): Promise<string> {
    const rows = await this.prisma.$queryRaw<Array<{ status: string }>>`
      SELECT ${STATUS_SQL} AS "status" FROM (SELECT ${row.operstate}::"OperState" AS "operstate",
        ${row.task}::text AS "task", ${row.deleted}::boolean AS "deleted",
        ${row.resizePending}::boolean AS "resizePending") s`;
    return rows[0].status;
  }

  // ---- metadata ----

  async metadata(serverId: string, tx: Tx = this.prisma): Promise<Record<string, string>> {
    const rows = await tx.serverMetadata.findMany({ where: { serverId }, orderBy: { key: 'asc' } });
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async setMetadata(
    tx: Tx,
    serverId: string,
    items: Record<string, string>,
    replace: boolean,
  ): Promise<void> {
    if (replace) await tx.serverMetadata.deleteMany({ where: { serverId } });
    for (const [key, value] of Object.entries(items)) {
      await tx.serverMetadata.upsert({
        where: { serverId_key: { serverId, key } },
        create: { serverId, key, value },
        update: { value },
      });
    }
    await tx.server.update({ where: { id: serverId }, data: { updatedAt: new Date() } });
  }

  async deleteMetadata(tx: Tx, serverId: string, key: string): Promise<boolean> {
    const r = await tx.serverMetadata.deleteMany({ where: { serverId, key } });
    if (r.count > 0)
      await tx.server.update({ where: { id: serverId }, data: { updatedAt: new Date() } });
    return r.count > 0;
  }

  // ---- trail ----

  /** One line of the server's trail: an API request or a RAPI job it caused. */
  async trail(
    tx: Tx,
    entry: {
      serverId: string;
      source: 'api' | 'rapi';
      requestId: string | null;
      message: string;
      jobId?: number | null;
      opcode?: string | null;
      status?: string | null;
      data?: Record<string, unknown>;
    },
  ): Promise<void> {
    await tx.serverTrail.create({
      data: {
        serverId: entry.serverId,
        source: entry.source,
        requestId: entry.requestId,
        message: entry.message,
        jobId: entry.jobId ?? null,
        opcode: entry.opcode ?? null,
        status: entry.status ?? null,
        ...(entry.data ? { data: entry.data as Prisma.InputJsonObject } : {}),
      },
    });
  }
}

function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
