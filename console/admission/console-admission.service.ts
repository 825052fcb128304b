import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hashToken, NEFOS_LOGGER, type Logger } from '@nefos/contracts';
import {
  ConsoleAccessRepository,
  ConsoleTokenRepository,
  membershipKey,
  type ConsoleTokenRow,
} from '@nefos/database';
import type { RefusalKey } from '../proxy/close-codes';
import { SessionRegistry, type ConsoleSession } from '../sessions/session.registry';

export type Admission =
  | { ok: true; session: ConsoleSession; token: ConsoleTokenRow; release: () => void }
  | { ok: false; refusal: RefusalKey; token?: ConsoleTokenRow };

/**
 * Decides whether a console token opens a session. Everything is checked before the token is
 * used, so a refusal for a limit leaves the token valid for a retry; the use itself is one
 * atomic UPDATE, so a token opens at most one session even across proxy replicas.
 */
@Injectable()
export class ConsoleAdmissionService {
  constructor(
    private readonly tokens: ConsoleTokenRepository,
    private readonly access: ConsoleAccessRepository,
    private readonly registry: SessionRegistry,
    @Inject(NEFOS_LOGGER) private readonly logger: Logger,
  ) {}

  async admit(token: string, requestId: string): Promise<Admission> {
    const hash = hashToken(token);
    const row = await this.tokens.peek(hash);
    if (!row || row.kind !== 'novnc') return { ok: false, refusal: 'token-unknown' };
    if (row.usedAt) return { ok: false, refusal: 'token-used', token: row };
    if (row.expired) return { ok: false, refusal: 'token-expired', token: row };

    const server = await this.access.server(row.serverId);
    if (!server || server.deleted || server.projectId !== row.projectId) {
      return { ok: false, refusal: 'server-gone', token: row };
    }
    if (server.operstate !== 'STARTED') {
      return { ok: false, refusal: 'server-not-active', token: row };
    }
    const members = await this.access.activeMemberships([
      { userId: row.userId, projectId: row.projectId },
    ]);
    if (!members.has(membershipKey(row.userId, row.projectId))) {
      return { ok: false, refusal: 'access-revoked', token: row };
    }

    const session: ConsoleSession = {
      id: randomUUID(),
      requestId,
      serverId: row.serverId,
      userId: row.userId,
      projectId: row.projectId,
      startedAt: new Date(),
    };
    const slot = this.registry.reserve(session);
    if (!slot.ok) {
      return {
        ok: false,
        refusal: slot.limit === 'user' ? 'limit-user' : 'limit-server',
        token: row,
      };
    }
    let used: ConsoleTokenRow | null;
    try {
      used = await this.tokens.consume(hash);
    } catch (err) {
      slot.release();
      throw err;
    }
    if (!used) {
      slot.release();
      // Lost a race with another use, or expired between the two reads: say which.
      const now = await this.tokens.peek(hash);
      this.logger.debug({ requestId }, 'console token changed between check and use');
      return { ok: false, refusal: now?.usedAt ? 'token-used' : 'token-expired', token: row };
    }
    return { ok: true, session, token: used, release: slot.release };
  }
}
