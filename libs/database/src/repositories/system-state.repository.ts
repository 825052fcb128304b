import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { Prisma } from '../generated/prisma/client';

type Tx = Prisma.TransactionClient;

/** Small named records (`SystemState`): heartbeats, the last reconciliation, cluster events. */
@Injectable()
export class SystemStateRepository {
  constructor(private readonly prisma: PrismaService) {}

  async get<T>(key: string, tx: Tx = this.prisma): Promise<{ value: T; updatedAt: Date } | null> {
    const row = await tx.systemState.findUnique({ where: { key } });
    return row ? { value: row.value as T, updatedAt: row.updatedAt } : null;
  }

  async set(key: string, value: unknown, tx: Tx = this.prisma): Promise<void> {
    const json = value as Prisma.InputJsonValue;
    await tx.systemState.upsert({
      where: { key },
      create: { key, value: json },
      update: { value: json },
    });
  }

  /** Locks the record for the rest of the transaction, creating it empty first if needed. */
  async lock(key: string, tx: Tx): Promise<unknown> {
    await tx.$executeRaw`INSERT INTO "SystemState" ("key", "value", "updatedAt")
      VALUES (${key}, 'null'::jsonb, now()) ON CONFLICT ("key") DO NOTHING`;
    const rows = await tx.$queryRaw<Array<{ value: unknown }>>`
      SELECT "value" FROM "SystemState" WHERE "key" = ${key} FOR UPDATE`;
    return rows[0]?.value ?? null;
  }

  /** The heartbeat could not even be sent: the backend is not healthy, whatever arrived before. */
  async markHeartbeatFailed(backendName: string): Promise<void> {
    await this.prisma.backend.updateMany({
      where: { name: backendName },
      data: { lastHeartbeatOk: false },
    });
  }

  async recordHeartbeat(
    backendName: string,
    ok: boolean,
    at: Date,
    tx: Tx = this.prisma,
  ): Promise<void> {
    await tx.backend.updateMany({
      where: { name: backendName },
      data: { lastHeartbeatAt: at, lastHeartbeatOk: ok },
    });
  }
}
