import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { Prisma } from '../generated/prisma/client';
import type { Backend, Commission, Flavor, Server } from '../generated/prisma/client';

type Tx = Prisma.TransactionClient;

export type TrailSource = 'event' | 'state' | 'reconcile';

export interface TrailEntry {
  serverId: string;
  source: TrailSource;
  message: string;
  requestId?: string | null;
  jobId?: number | null;
  opcode?: string | null;
  status?: string | null;
  data?: Record<string, unknown>;
}

/**
 * What the dispatcher reads and writes about a server while it applies a backend event, always
 * inside the caller's transaction, with the server row locked first.
 */
@Injectable()
export class ServerEventRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Runs `fn` in one transaction long enough for a row lock plus NIC/quota work. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn, { maxWait: 10_000, timeout: 30_000 });
  }

  /** Locks the server with this backend instance name (`SELECT ... FOR UPDATE`). */
  findByInstanceName(instanceName: string): Promise<Server | null> {
    return this.prisma.server.findUnique({ where: { instanceName } });
  }

  async lockByInstanceName(tx: Tx, instanceName: string): Promise<Server | null> {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT "id" FROM "Server" WHERE "instanceName" = ${instanceName} FOR UPDATE`;
    if (rows.length === 0) return null;
    return tx.server.findUnique({ where: { id: rows[0].id } });
  }

  update(tx: Tx, id: string, data: Prisma.ServerUncheckedUpdateInput): Promise<Server> {
    return tx.server.update({ where: { id }, data });
  }

  /**
   * Raises the build progress of a server still building; never lowers it. One statement, so no
   * lock is needed: progress messages change nothing else.
   */
  /** Raises the build progress of a building server that lives on the backend named `cluster`. */
  async raiseBuildProgress(
    instanceName: string,
    progress: number,
    cluster: string,
  ): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE "Server" SET "buildProgress" = ${progress}, "updatedAt" = now()
      WHERE "instanceName" = ${instanceName} AND "operstate" = 'BUILD' AND NOT "deleted"
        AND "buildProgress" < ${progress}
        AND "backendId" = (SELECT "id" FROM "Backend" WHERE "name" = ${cluster})`;
    return n > 0;
  }

  async trail(tx: Tx, e: TrailEntry): Promise<void> {
    await tx.serverTrail.create({
      data: {
        serverId: e.serverId,
        source: e.source,
        message: e.message,
        requestId: e.requestId ?? null,
        jobId: e.jobId ?? null,
        opcode: e.opcode ?? null,
        status: e.status ?? null,
        ...(e.data ? { data: e.data as Prisma.InputJsonObject } : {}),
      },
    });
  }

  backendByName(name: string): Promise<Backend | null> {
    return this.prisma.backend.findUnique({ where: { name } });
  }

  backendById(id: string): Promise<Backend | null> {
    return this.prisma.backend.findUnique({ where: { id } });
  }

  flavor(tx: Tx, id: string): Promise<Flavor | null> {
    return tx.flavor.findUnique({ where: { id } });
  }

  /** Live flavors with these sizes, most likely first: same disk, then public, then by id. */
  async flavorsMatching(
    tx: Tx,
    vcpus: number,
    ramMb: number,
    preferDiskGb: number | null,
  ): Promise<Flavor[]> {
    const rows = await tx.flavor.findMany({
      where: { vcpus, ramMb, deletedAt: null },
      orderBy: [{ isPublic: 'desc' }, { id: 'asc' }],
    });
    if (preferDiskGb === null) return rows;
    return [
      ...rows.filter((f) => f.diskGb === preferDiskGb),
      ...rows.filter((f) => f.diskGb !== preferDiskGb),
    ];
  }

  /** Pending quota commissions of a server, oldest first, locked. */
  async pendingCommissions(tx: Tx, serverId: string): Promise<Commission[]> {
    await tx.$queryRaw`SELECT "id" FROM "Commission"
      WHERE "serverId" = ${serverId}::uuid AND "status" = 'PENDING' FOR UPDATE`;
    return tx.commission.findMany({
      where: { serverId, status: 'PENDING' },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** Whether any of the server's commissions was accepted (its resources were ever counted). */
  async hasAcceptedCommission(tx: Tx, serverId: string): Promise<boolean> {
    return (await tx.commission.count({ where: { serverId, status: 'ACCEPTED' } })) > 0;
  }

  /** Servers whose task waits for a job the bookkeeping already saw end (a lost race). */
  async findSettledTasks(limit = 100): Promise<Array<Pick<Server, 'id' | 'instanceName'>>> {
    return this.prisma.$queryRaw<Array<Pick<Server, 'id' | 'instanceName'>>>`
      SELECT "id", "instanceName" FROM "Server"
      WHERE "task" IS NOT NULL AND NOT "deleted" AND "taskJobId" IS NOT NULL
        AND "taskJobId" = "backendJobId"
        AND "backendJobStatus" IN ('success', 'error', 'canceled')
      LIMIT ${limit}`;
  }

  flavorById(id: string): Promise<Flavor | null> {
    return this.prisma.flavor.findUnique({ where: { id } });
  }

  /** MAC (lower case) -> addresses of each port of a server, for reconciliation. */
  async portAddresses(serverId: string): Promise<Map<string, string[]>> {
    const ports = await this.prisma.port.findMany({
      where: { serverId },
      include: { addresses: { select: { address: true } } },
    });
    return new Map(
      ports.map((p) => [p.macAddress.toLowerCase(), p.addresses.map((a) => a.address).sort()]),
    );
  }

  /** Live servers of a backend, for reconciliation. */
  liveServersOfBackend(backendId: string): Promise<Server[]> {
    return this.prisma.server.findMany({ where: { backendId, deleted: false } });
  }

  /** Servers (live or not) by id, for reconciliation's orphan check. */
  serversByIds(ids: string[]): Promise<Array<Pick<Server, 'id' | 'deleted' | 'instanceName'>>> {
    return this.prisma.server.findMany({
      where: { id: { in: ids } },
      select: { id: true, deleted: true, instanceName: true },
    });
  }
}
