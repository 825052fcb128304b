import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { Flavor, FlavorExtraSpec, Prisma } from '../generated/prisma/client';

type Tx = Prisma.TransactionClient;

export interface FlavorFilter {
  minRamMb?: number;
  minDiskGb?: number;
  /** true: public only; false: private only; undefined: both. */
  isPublic?: boolean;
  /** Non-admins see public flavors plus the private ones their project was given. */
  accessibleTo?: string;
  /** Flavor id to start after (ordered by id). */
  afterId?: string;
  limit: number;
}

export interface NewFlavor {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
  ephemeralGb?: number;
  swapMb?: number;
  rxtxFactor?: number;
  isPublic?: boolean;
  description?: string | null;
}

/** Flavors (never hard-deleted: servers keep pointing at the flavor they were built with). */
@Injectable()
export class FlavorRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(filter: FlavorFilter): Promise<Flavor[]> {
    const where: Prisma.FlavorWhereInput = { deletedAt: null };
    if (filter.minRamMb !== undefined) where.ramMb = { gte: filter.minRamMb };
    if (filter.minDiskGb !== undefined) where.diskGb = { gte: filter.minDiskGb };
    if (filter.isPublic !== undefined) where.isPublic = filter.isPublic;
    if (filter.accessibleTo !== undefined) {
      where.OR = [{ isPublic: true }, { access: { some: { projectId: filter.accessibleTo } } }];
    }
    if (filter.afterId !== undefined) where.id = { gt: filter.afterId };
    return this.prisma.flavor.findMany({ where, orderBy: { id: 'asc' }, take: filter.limit });
  }

  /** A live flavor, or (with `withDeleted`) one that was deleted but still backs servers. */
  find(
    id: string,
    opts: { withDeleted?: boolean } = {},
    tx: Tx = this.prisma,
  ): Promise<Flavor | null> {
    return tx.flavor.findFirst({ where: { id, ...(opts.withDeleted ? {} : { deletedAt: null }) } });
  }

  findByName(name: string): Promise<Flavor | null> {
    return this.prisma.flavor.findFirst({ where: { name, deletedAt: null } });
  }

  findMany(ids: string[]): Promise<Flavor[]> {
    return this.prisma.flavor.findMany({ where: { id: { in: ids } } });
  }

  hasAccess(flavorId: string, projectId: string, tx: Tx = this.prisma): Promise<boolean> {
    return tx.flavorAccess
      .findUnique({ where: { flavorId_projectId: { flavorId, projectId } } })
      .then((r) => r !== null);
  }

  /** Ids are unique forever (deleted rows keep theirs); names only among live flavors. */
  async create(f: NewFlavor): Promise<Flavor> {
    return this.prisma.$transaction(async (tx) => {
      const clash = await tx.flavor.findFirst({
        where: { OR: [{ id: f.id }, { name: f.name }] },
      });
      if (clash && (clash.id === f.id || clash.deletedAt === null)) {
        throw new FlavorExistsError(clash.id === f.id ? `ID ${f.id}` : `name ${f.name}`);
      }
      if (clash) {
        // A deleted flavor keeps its row but gives its name back.
        await tx.flavor.update({
          where: { id: clash.id },
          data: { name: `${clash.name}@deleted-${clash.id}` },
        });
      }
      return tx.flavor.create({
        data: {
          id: f.id,
          name: f.name,
          vcpus: f.vcpus,
          ramMb: f.ramMb,
          diskGb: f.diskGb,
          ephemeralGb: f.ephemeralGb ?? 0,
          swapMb: f.swapMb ?? 0,
          rxtxFactor: f.rxtxFactor ?? 1,
          isPublic: f.isPublic ?? true,
          description: f.description ?? null,
        },
      });
    });
  }

  /** Marks a flavor deleted; false when there was no live flavor with that id. */
  async softDelete(id: string): Promise<boolean> {
    const r = await this.prisma.flavor.updateMany({
      where: { id, deletedAt: null },
      data: { deletedAt: new Date() },
    });
    return r.count > 0;
  }

  extraSpecs(flavorId: string): Promise<FlavorExtraSpec[]> {
    return this.prisma.flavorExtraSpec.findMany({ where: { flavorId }, orderBy: { key: 'asc' } });
  }

  async setExtraSpecs(flavorId: string, specs: Record<string, string>): Promise<void> {
    await this.prisma.$transaction(
      Object.entries(specs).map(([key, value]) =>
        this.prisma.flavorExtraSpec.upsert({
          where: { flavorId_key: { flavorId, key } },
          create: { flavorId, key, value },
          update: { value },
        }),
      ),
    );
  }

  async deleteExtraSpec(flavorId: string, key: string): Promise<boolean> {
    const r = await this.prisma.flavorExtraSpec.deleteMany({ where: { flavorId, key } });
    return r.count > 0;
  }
}

export class FlavorExistsError extends Error {
  constructor(readonly what: string) {
    super(`Flavor with ${what} already exists.`);
    this.name = 'FlavorExistsError';
  }
}
