import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';

export interface ConsoleTokenRow {
  hash: string;
  serverId: string;
  userId: string;
  projectId: string;
  host: string;
  port: number;
  kind: string;
  requestId: string | null;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface NewConsoleToken {
  hash: string;
  serverId: string;
  userId: string;
  projectId: string;
  host: string;
  port: number;
  kind: string;
  requestId: string | null;
  ttlSeconds: number;
}

/**
 * One-time console tokens, stored by SHA-256. Expiry is computed and compared with the database's
 * clock only, so API and proxy hosts with skewed clocks still agree on what has expired.
 */
@Injectable()
export class ConsoleTokenRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(t: NewConsoleToken): Promise<{ expiresAt: Date }> {
    const rows = await this.prisma.$queryRaw<Array<{ expiresAt: Date }>>`
      INSERT INTO "ConsoleToken"
        ("hash", "serverId", "userId", "projectId", "host", "port", "kind", "requestId", "expiresAt")
      VALUES (${t.hash}, ${t.serverId}::uuid, ${t.userId}, ${t.projectId}, ${t.host}, ${t.port}::int,
        ${t.kind}, ${t.requestId}, now() + ${t.ttlSeconds}::int * interval '1 second')
      RETURNING "expiresAt"`;
    return rows[0];
  }

  /** Reads a token without using it; `expired` by the database's clock. */
  async peek(hash: string): Promise<(ConsoleTokenRow & { expired: boolean }) | null> {
    const rows = await this.prisma.$queryRaw<Array<ConsoleTokenRow & { expired: boolean }>>`
      SELECT *, "expiresAt" <= now() AS "expired" FROM "ConsoleToken" WHERE "hash" = ${hash}`;
    return rows[0] ?? null;
  }

  /**
   * Uses a token: exactly one caller ever gets the row back, and only before it expires. Two
   * proxies racing for the same token are serialised by the row lock of the UPDATE.
   */
  async consume(hash: string): Promise<ConsoleTokenRow | null> {
    const rows = await this.prisma.$queryRaw<ConsoleTokenRow[]>`
      UPDATE "ConsoleToken" SET "usedAt" = now()
      WHERE "hash" = ${hash} AND "usedAt" IS NULL AND "expiresAt" > now()
      RETURNING *`;
    return rows[0] ?? null;
  }

  /** Forgets tokens that expired more than `keepSeconds` ago (kept that long for audits). */
  async purgeExpired(keepSeconds: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM "ConsoleToken" WHERE "expiresAt" < now() - ${keepSeconds}::int * interval '1 second'`;
  }
}
