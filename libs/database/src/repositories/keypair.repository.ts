import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { KeyPair, Prisma } from '../generated/prisma/client';

type Tx = Prisma.TransactionClient;

export interface NewKeyPair {
  userId: string;
  projectId: string;
  name: string;
  type: string;
  publicKey: string;
  fingerprint: string;
}

/** SSH key pairs; they belong to a user (names are unique per user), as in Nova. */
@Injectable()
export class KeyPairRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(userId: string, opts: { afterName?: string; limit?: number } = {}): Promise<KeyPair[]> {
    return this.prisma.keyPair.findMany({
      where: { userId, ...(opts.afterName !== undefined ? { name: { gt: opts.afterName } } : {}) },
      orderBy: { name: 'asc' },
      take: opts.limit,
    });
  }

  find(userId: string, name: string, tx: Tx = this.prisma): Promise<KeyPair | null> {
    return tx.keyPair.findUnique({ where: { userId_name: { userId, name } } });
  }

  create(k: NewKeyPair, tx: Tx = this.prisma): Promise<KeyPair> {
    return tx.keyPair.create({ data: k });
  }

  /** Deletes and returns the row (to give its quota back), or null when it did not exist. */
  async delete(userId: string, name: string, tx: Tx = this.prisma): Promise<KeyPair | null> {
    const rows = await tx.$queryRaw<KeyPair[]>`
      DELETE FROM "KeyPair" WHERE "userId" = ${userId} AND "name" = ${name} RETURNING *`;
    return rows[0] ?? null;
  }

  userExists(userId: string): Promise<boolean> {
    return this.prisma.user
      .findUnique({ where: { id: userId }, select: { id: true } })
      .then(Boolean);
  }
}
