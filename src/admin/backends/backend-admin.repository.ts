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

  liveServerCount(backendId: string): Promise<number> {
    return this.prisma.server.count({ where: { backendId, deleted: false } });
  }

  /**
   * Removes the backend; deleted servers keep their history and lose the link (the foreign key
   * sets it null), node and network rows go with it.
   */
  async remove(id: string): Promise<void> {
    await this.prisma.backend.delete({ where: { id } });
  }

  /** The node as last read, for answering after a change. */
  node(backendId: string, name: string) {
    return this.prisma.backendNode.findUnique({ where: { backendId_name: { backendId, name } } });
  }
}
