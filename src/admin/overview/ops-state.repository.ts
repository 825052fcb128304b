import { Injectable } from '@nestjs/common';
import { PrismaService } from '@nefos/database';

export interface StateRecord {
  key: string;
  value: unknown;
  updatedAt: string;
}

/** The `SystemState` records operators watch: heartbeats and reconciliation results. */
@Injectable()
export class OpsStateRepository {
  constructor(private readonly prisma: PrismaService) {}

  async records(prefixes: string[]): Promise<StateRecord[]> {
    const rows = await this.prisma.systemState.findMany({
      where: { OR: prefixes.map((p) => ({ key: { startsWith: p } })) },
      orderBy: { key: 'asc' },
    });
    return rows.map((r) => ({ key: r.key, value: r.value, updatedAt: r.updatedAt.toISOString() }));
  }
}
