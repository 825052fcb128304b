import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { Backend, BackendNode } from '../generated/prisma/client';

@Injectable()
export class BackendRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(): Promise<Backend[]> {
    return this.prisma.backend.findMany({ orderBy: { name: 'asc' } });
  }

  findByName(name: string): Promise<Backend | null> {
    return this.prisma.backend.findUnique({ where: { name } });
  }

  findById(id: string): Promise<Backend | null> {
    return this.prisma.backend.findUnique({ where: { id } });
  }

  /** Backends that may take new servers, most free memory first. */
  listUsable(): Promise<Backend[]> {
    return this.prisma.backend.findMany({
      where: { drained: false, offline: false },
      orderBy: [{ mfree: 'desc' }, { name: 'asc' }],
    });
  }

  nodes(backendId: string): Promise<BackendNode[]> {
    return this.prisma.backendNode.findMany({ where: { backendId }, orderBy: { name: 'asc' } });
  }
}
