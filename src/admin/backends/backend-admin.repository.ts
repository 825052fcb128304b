import { Injectable } from '@nestjs/common';
import { PrismaService, type Backend, type Prisma } from '@nefos/database';

/** Writes to `Backend` rows on behalf of operators (the CLI and the dashboard). */
@Injectable()
export class BackendAdminRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByName(name: string): Promise<Backend | null> {
    return this.prisma.backend.findUnique({ where: { name } });
  }

  create(data: Prisma.BackendCreateInput): Promise<Backend> {
    return this.prisma.backend.create({ data });
  }

  update(id: string, data: Prisma.BackendUpdateInput): Promise<Backend> {
    return this.prisma.backend.update({ where: { id }, data });
  }

  /** Projects by id, or by name when the name is unique across domains. */
  async resolveProjects(refs: string[]): Promise<{ ids: string[]; missing: string[] }> {
    const ids: string[] = [];
    const missing: string[] = [];
    for (const ref of refs) {
      const byId = await this.prisma.project.findUnique({ where: { id: ref } });
      const byName = byId ? [] : await this.prisma.project.findMany({ where: { name: ref } });
      const id = byId?.id ?? (byName.length === 1 ? byName[0].id : null);
      if (id === null) missing.push(ref);
      else if (!ids.includes(id)) ids.push(id);
    }
    return { ids, missing };
  }

  /** Pins and unpins projects, in one transaction with the other changes. */
  async updateWithPins(
    id: string,
    data: Prisma.BackendUpdateInput,
    pins: { set?: string[]; add?: string[]; remove?: string[] },
  ): Promise<Backend> {
    return this.prisma.$transaction(async (tx) => {
      if (pins.set) await tx.backendProject.deleteMany({ where: { backendId: id } });
      if (pins.remove?.length) {
        await tx.backendProject.deleteMany({
          where: { backendId: id, projectId: { in: pins.remove } },
        });
      }
      const add = [...(pins.set ?? []), ...(pins.add ?? [])];
      if (add.length) {
        await tx.backendProject.createMany({
          data: add.map((projectId) => ({ backendId: id, projectId })),
          skipDuplicates: true,
        });
      }
      return tx.backend.update({ where: { id }, data });
    });
  }

  /**
   * Removes the backend unless live servers are on it; returns their count (0: removed). The row
   * is locked first, as the allocator locks it to place a server, so no placement slips in between
   * the count and the delete. Deleted servers keep their history and lose the link (the foreign
   * key sets it null); node, pin and network rows go with it.
   */
  async removeIfEmpty(id: string): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Backend" WHERE "id" = ${id}::uuid FOR UPDATE`;
      const live = await tx.server.count({ where: { backendId: id, deleted: false } });
      if (live === 0) await tx.backend.delete({ where: { id } });
      return live;
    });
  }

  /** The node as last read, for answering after a change. */
  node(backendId: string, name: string) {
    return this.prisma.backendNode.findUnique({ where: { backendId_name: { backendId, name } } });
  }
}
