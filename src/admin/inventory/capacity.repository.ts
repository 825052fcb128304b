import { Injectable } from '@nestjs/common';
import { PrismaService, type Backend } from '@nefos/database';
import type { RapiNode } from '@nefos/contracts';

export interface BackendTotals {
  ctotal: number;
  cfree: number;
  mtotal: number;
  mfree: number;
  dtotal: number;
  dfree: number;
  pinstCnt: number;
}

/** Writes what RAPI reports about nodes into `BackendNode` and the backend's totals. */
@Injectable()
export class CapacityRepository {
  constructor(private readonly prisma: PrismaService) {}

  backendsToRefresh(): Promise<Backend[]> {
    return this.prisma.backend.findMany({ where: { offline: false }, orderBy: { name: 'asc' } });
  }

  /** vCPUs of the live servers placed on the backend (for its free-CPU figure). */
  async allocatedVcpus(backendId: string): Promise<number> {
    const rows = await this.prisma.server.findMany({
      where: { backendId, deleted: false, operstate: { not: 'DESTROYED' } },
      select: { flavor: { select: { vcpus: true } } },
    });
    return rows.reduce((n, r) => n + r.flavor.vcpus, 0);
  }

  /**
   * Replaces the backend's node rows with `nodes` and stores the totals, in one transaction. The
   * backend row is locked first (the allocator takes the same lock to place a server), and the
   * memory and disk of servers placed there whose create job has not started yet are taken off the
   * free figures: the master does not count them yet, and a placement must not be forgotten.
   */
  async store(backendId: string, nodes: RapiNode[], totals: BackendTotals): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Backend" WHERE "id" = ${backendId}::uuid FOR UPDATE`;
      const [pending] = await tx.$queryRaw<Array<{ memory: bigint; disk: bigint; n: bigint }>>`
        SELECT COALESCE(SUM(f."ramMb"), 0)::bigint AS memory,
               COALESCE(SUM(f."diskGb"), 0)::bigint * 1024 AS disk, COUNT(*)::bigint AS n
        FROM "Server" s JOIN "Flavor" f ON f."id" = s."flavorId"
        WHERE s."backendId" = ${backendId}::uuid AND NOT s."deleted" AND s."operstate" = 'BUILD'
          AND (s."backendJobStatus" IS NULL OR s."backendJobStatus" IN ('queued', 'waiting'))`;
      await tx.backendNode.deleteMany({
        where: { backendId, name: { notIn: nodes.map((n) => n.name) } },
      });
      for (const n of nodes) {
        const data = {
          role: typeof n.role === 'string' ? n.role : 'regular',
          drained: Boolean(n.drained),
          offline: Boolean(n.offline),
          ctotal: n.ctotal ?? 0,
          mtotal: n.mtotal ?? 0,
          mfree: n.mfree ?? 0,
          dtotal: n.dtotal ?? 0,
          dfree: n.dfree ?? 0,
          pinstCnt: n.pinst_cnt ?? 0,
          // Written even when nothing changed: it is the time of the last successful read.
          updatedAt: new Date(),
        };
        await tx.backendNode.upsert({
          where: { backendId_name: { backendId, name: n.name } },
          create: { backendId, name: n.name, ...data },
          update: data,
        });
      }
      await tx.backend.update({
        where: { id: backendId },
        data: {
          ...totals,
          // A figure the backend does not report (total 0) stays as it is: it limits nothing.
          mfree: totals.mtotal > 0 ? totals.mfree - Number(pending.memory) : totals.mfree,
          dfree: totals.dtotal > 0 ? totals.dfree - Number(pending.disk) : totals.dfree,
          pinstCnt: totals.pinstCnt + Number(pending.n),
          capacityAt: new Date(),
        },
      });
    });
  }
}
