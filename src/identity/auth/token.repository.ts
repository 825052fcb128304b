import { Injectable } from '@nestjs/common';
import { PrismaService } from '@nefos/database';

export interface TokenRecord {
  hash: string;
  auditId: string;
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  user: { id: string; name: string; domainId: string; enabled: boolean };
  project: { id: string; name: string; enabled: boolean } | null;
  roles: string[];
}

/** Token rows (stored by SHA-256 hash) with the user, project and roles they stand for. */
@Injectable()
export class TokenRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findByHash(hash: string): Promise<TokenRecord | null> {
    const token = await this.prisma.token.findUnique({
      where: { hash },
      include: { user: { select: { id: true, name: true, domainId: true, enabled: true } } },
    });
    if (!token) return null;
    let project: TokenRecord['project'] = null;
    let roles: string[] = [];
    if (token.projectId) {
      const p = await this.prisma.project.findUnique({
        where: { id: token.projectId },
        select: { id: true, name: true, enabled: true },
      });
      project = p;
      const assignments = await this.prisma.roleAssignment.findMany({
        where: { userId: token.userId, projectId: token.projectId },
        select: { role: { select: { name: true } } },
      });
      roles = assignments.map((a) => a.role.name).sort();
    }
    return {
      hash: token.hash,
      auditId: token.auditId,
      methods: token.methods,
      issuedAt: token.issuedAt,
      expiresAt: token.expiresAt,
      revokedAt: token.revokedAt,
      user: token.user,
      project,
      roles,
    };
  }
}
