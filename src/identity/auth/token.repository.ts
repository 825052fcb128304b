import { Injectable } from '@nestjs/common';
import { PrismaService } from '@nefos/database';

export interface NewToken {
  hash: string;
  userId: string;
  projectId: string | null;
  methods: string[];
  auditId: string;
  issuedAt?: Date;
  expiresAt: Date;
}

export interface TokenRecord {
  hash: string;
  auditId: string;
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  /** The scope the token was issued for (its project may since have been deleted). */
  projectId: string | null;
  user: { id: string; name: string; domainId: string; enabled: boolean };
  project: { id: string; name: string; enabled: boolean } | null;
  roles: string[];
}

/** Everything a token body shows (Keystone's v3 `token` and v2 `access`). */
export interface TokenView {
  hash: string;
  auditId: string;
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  projectId: string | null;
  user: {
    id: string;
    name: string;
    enabled: boolean;
    passwordExpiresAt: Date | null;
    domain: { id: string; name: string };
  };
  project: {
    id: string;
    name: string;
    description: string;
    enabled: boolean;
    domain: { id: string; name: string };
  } | null;
  roles: Array<{ id: string; name: string }>;
}

interface TokenRow {
  hash: string;
  auditId: string;
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  projectId: string | null;
  userId: string;
  userName: string;
  userDomainId: string;
  userEnabled: boolean;
  pId: string | null;
  pName: string | null;
  pEnabled: boolean | null;
  roles: string[];
}

/** Token rows (stored by SHA-256 hash) with the user, project and roles they stand for. */
@Injectable()
export class TokenRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One statement for the token, its user, project and role names: every API request runs this
   * before anything else, and as Prisma reads with includes it was a round trip per table
   * (token, user, project, role assignments, roles); see bench/README.md.
   */
  async findByHash(hash: string): Promise<TokenRecord | null> {
    const [row] = await this.prisma.$queryRaw<TokenRow[]>`
      SELECT t."hash", t."auditId", t."methods", t."issuedAt", t."expiresAt", t."revokedAt",
        t."projectId", u."id" AS "userId", u."name" AS "userName", u."domainId" AS "userDomainId",
        u."enabled" AS "userEnabled", p."id" AS "pId", p."name" AS "pName",
        p."enabled" AS "pEnabled",
        CASE WHEN t."projectId" IS NULL THEN ARRAY[]::text[] ELSE ARRAY(
          SELECT r."name" FROM "RoleAssignment" ra JOIN "Role" r ON r."id" = ra."roleId"
           WHERE ra."userId" = t."userId" AND ra."projectId" = t."projectId") END AS "roles"
        FROM "Token" t JOIN "User" u ON u."id" = t."userId"
        LEFT JOIN "Project" p ON p."id" = t."projectId"
       WHERE t."hash" = ${hash}`;
    if (!row) return null;
    return {
      hash: row.hash,
      auditId: row.auditId,
      methods: row.methods,
      issuedAt: row.issuedAt,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
      projectId: row.projectId,
      user: {
        id: row.userId,
        name: row.userName,
        domainId: row.userDomainId,
        enabled: row.userEnabled,
      },
      project: row.pId === null ? null : { id: row.pId, name: row.pName!, enabled: row.pEnabled! },
      roles: [...row.roles].sort(),
    };
  }

  /** The token with its user, project (with domains) and roles, as a token body shows them. */
  async findView(hash: string): Promise<TokenView | null> {
    const token = await this.prisma.token.findUnique({
      where: { hash },
      include: { user: { include: { domain: { select: { id: true, name: true } } } } },
    });
    if (!token) return null;
    let project: TokenView['project'] = null;
    let roles: TokenView['roles'] = [];
    if (token.projectId) {
      const p = await this.prisma.project.findUnique({
        where: { id: token.projectId },
        include: { domain: { select: { id: true, name: true } } },
      });
      if (p) {
        project = {
          id: p.id,
          name: p.name,
          description: p.description,
          enabled: p.enabled,
          domain: p.domain,
        };
      }
      const assignments = await this.prisma.roleAssignment.findMany({
        where: { userId: token.userId, projectId: token.projectId },
        select: { role: { select: { id: true, name: true } } },
        orderBy: { role: { name: 'asc' } },
      });
      roles = assignments.map((a) => a.role);
    }
    return {
      hash: token.hash,
      auditId: token.auditId,
      methods: token.methods,
      issuedAt: token.issuedAt,
      expiresAt: token.expiresAt,
      revokedAt: token.revokedAt,
      projectId: token.projectId,
      user: {
        id: token.user.id,
        name: token.user.name,
        enabled: token.user.enabled,
        passwordExpiresAt: token.user.passwordExpiresAt,
        domain: token.user.domain,
      },
      project,
      roles,
    };
  }

  async create(token: NewToken): Promise<void> {
    await this.prisma.token.create({ data: token });
  }

  /** Revokes one token; false when it did not exist or was already revoked. */
  async revoke(hash: string): Promise<boolean> {
    const { count } = await this.prisma.token.updateMany({
      where: { hash, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count > 0;
  }

  /** Revokes every live token of a user (after a password change or when disabled). */
  async revokeAllForUser(userId: string): Promise<number> {
    const { count } = await this.prisma.token.updateMany({
      where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { revokedAt: new Date() },
    });
    return count;
  }

  /** Forgets tokens that expired before `before` (they can no longer be used or revoked). */
  async deleteExpired(before: Date): Promise<number> {
    const { count } = await this.prisma.token.deleteMany({ where: { expiresAt: { lt: before } } });
    return count;
  }
}
