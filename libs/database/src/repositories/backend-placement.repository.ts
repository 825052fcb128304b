import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { Backend, Prisma } from '../generated/prisma/client';

type Tx = Prisma.TransactionClient;

/** What one server takes from a backend: vCPUs, memory in MiB, disk in MiB (RAPI's units). */
export interface PlacementDemand {
  vcpus: number;
  memoryMib: number;
  diskMib: number;
}

/**
 * The allocator's writes to `Backend`: candidates are locked (in id order, so two placements
 * never deadlock) and the chosen backend's free figures are reduced in the same transaction,
 * which is what keeps concurrent creates from oversubscribing a backend.
 */
@Injectable()
export class BackendPlacementRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn, { timeout: 15000, maxWait: 15000 });
  }

  /** Online, undrained backends the project may use (public, or pinned to it), unlocked. */
  candidates(projectId: string): Promise<Backend[]> {
    return this.prisma.backend.findMany({
      where: {
        drained: false,
        offline: false,
        OR: [{ public: true }, { projects: { some: { projectId } } }],
      },
      orderBy: { name: 'asc' },
    });
  }

  /** The same candidates, read again and locked until the transaction ends. */
  lockCandidates(tx: Tx, projectId: string): Promise<Backend[]> {
    return tx.$queryRaw<Backend[]>`
      SELECT b.* FROM "Backend" b
      WHERE NOT b."drained" AND NOT b."offline"
        AND (b."public" OR EXISTS (
          SELECT 1 FROM "BackendProject" p WHERE p."backendId" = b."id" AND p."projectId" = ${projectId}))
      ORDER BY b."id"
      FOR UPDATE OF b`;
  }

  /**
   * Takes the demand off the backend's free figures (figures never read, or not reported, are
   * left alone: there is nothing to count against) and records the server's backend, unless the server was deleted
   * meanwhile. False when the server is gone.
   */
  async take(tx: Tx, backendId: string, serverId: string, d: PlacementDemand): Promise<boolean> {
    const placed = await tx.$executeRaw`
      UPDATE "Server" SET "backendId" = ${backendId}::uuid, "updatedAt" = now()
      WHERE "id" = ${serverId}::uuid AND NOT "deleted" AND "backendId" IS NULL`;
    if (placed === 0) return false;
    await tx.$executeRaw`
      UPDATE "Backend" SET
        "mfree" = CASE WHEN "mtotal" > 0 THEN "mfree" - ${d.memoryMib} ELSE "mfree" END,
        "dfree" = CASE WHEN "dtotal" > 0 THEN "dfree" - ${d.diskMib} ELSE "dfree" END,
        "cfree" = GREATEST("cfree" - ${d.vcpus}, 0), "pinstCnt" = "pinstCnt" + 1
      WHERE "id" = ${backendId}::uuid AND "capacityAt" IS NOT NULL`;
    return true;
  }

  /** Gives a placement back (its create never reached the backend). */
  async giveBack(tx: Tx, backendId: string, d: PlacementDemand): Promise<void> {
    await tx.$executeRaw`
      UPDATE "Backend" SET
        "mfree" = LEAST("mfree" + ${d.memoryMib}, "mtotal"), "dfree" = LEAST("dfree" + ${d.diskMib}, "dtotal"),
        "cfree" = LEAST("cfree" + ${d.vcpus}, "ctotal"), "pinstCnt" = GREATEST("pinstCnt" - 1, 0)
      WHERE "id" = ${backendId}::uuid AND "capacityAt" IS NOT NULL`;
  }

  /** Projects a backend is pinned to. */
  async pins(backendId: string): Promise<string[]> {
    const rows = await this.prisma.backendProject.findMany({
      where: { backendId },
      orderBy: { projectId: 'asc' },
    });
    return rows.map((r) => r.projectId);
  }
}
