import { Injectable } from '@nestjs/common';
import { hashToken } from '@nefos/contracts';
import { unauthorized } from '../../common/errors/domain.error';
import type { AuthContext } from './auth-context';
import { TokenRepository, type TokenView } from './token.repository';

/** Turns a bearer token into the caller's AuthContext, or refuses it. */
@Injectable()
export class AuthService {
  constructor(private readonly tokens: TokenRepository) {}

  async authenticate(token: string | undefined): Promise<AuthContext> {
    if (!token) throw unauthorized('The request you have made requires authentication.');
    const record = await this.tokens.findByHash(hashToken(token));
    // One message for every refusal, so a probe learns nothing about which tokens existed.
    const refused = unauthorized('The request you have made requires authentication.');
    if (!record || record.revokedAt || record.expiresAt.getTime() <= Date.now()) throw refused;
    if (!record.user.enabled) throw refused;
    if (record.project && !record.project.enabled) throw refused;
    // Roles are read live: a token scoped to a project the user lost every role on is dead.
    if (record.project && record.roles.length === 0) throw refused;
    if (!record.project && record.projectId) throw refused;
    const roles = record.roles;
    return {
      userId: record.user.id,
      userName: record.user.name,
      domainId: record.user.domainId,
      projectId: record.project?.id ?? null,
      projectName: record.project?.name ?? null,
      roles,
      isAdmin: roles.includes('admin'),
      readOnly: !roles.includes('admin') && !roles.includes('member'),
      tokenHash: record.hash,
      auditId: record.auditId,
      expiresAt: record.expiresAt,
      methods: record.methods,
    };
  }

  /**
   * The body of a token that is still good (for validating `X-Subject-Token`), or null: the same
   * rules as `authenticate`, so a token that validates is one that works.
   */
  async view(token: string): Promise<TokenView | null> {
    const v = await this.tokens.findView(hashToken(token));
    if (!v || v.revokedAt || v.expiresAt.getTime() <= Date.now() || !v.user.enabled) return null;
    if (v.projectId && (!v.project || !v.project.enabled || v.roles.length === 0)) return null;
    return v;
  }
}
