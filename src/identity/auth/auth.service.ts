import { Injectable } from '@nestjs/common';
import { hashToken } from '@nefos/contracts';
import { unauthorized } from '../../common/errors/domain.error';
import type { AuthContext } from './auth-context';
import { TokenRepository } from './token.repository';

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
}
