import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NEFOS_CONFIG, NEFOS_LOGGER, type Logger, type NefosConfig } from '@nefos/contracts';
import { ConsoleAccessRepository, ConsoleTokenRepository, membershipKey } from '@nefos/database';
import { CloseCode } from '../proxy/close-codes';
import { SessionRegistry } from './session.registry';

// Used and expired tokens stay this long for audits, then go.
const TOKEN_KEEP_SECONDS = 24 * 3600;
const PURGE_EVERY_MS = 10 * 60 * 1000;

/**
 * Ends consoles whose server was deleted or stopped, or whose user lost access, by re-reading
 * those servers every `watchIntervalMs` (one query, only while consoles are open). A stopped
 * QEMU also drops its VNC socket, which ends the relay by itself; this covers the rest.
 */
@Injectable()
export class ServerWatcher implements OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private lastPurge = 0;
  private stopped = true;

  constructor(
    private readonly registry: SessionRegistry,
    private readonly access: ConsoleAccessRepository,
    private readonly tokens: ConsoleTokenRepository,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One pass: closes what must close. Public for tests that want a pass now. */
  async check(): Promise<void> {
    const sessions = this.registry.active();
    if (sessions.length > 0) {
      const servers = new Map(
        (await this.access.servers([...new Set(sessions.map((s) => s.serverId))])).map((s) => [
          s.id,
          s,
        ]),
      );
      const members = await this.access.activeMemberships(
        sessions.map((s) => ({ userId: s.userId, projectId: s.projectId })),
      );
      for (const s of sessions) {
        const server = servers.get(s.serverId);
        let end: [CloseCode, string] | null = null;
        if (!server || server.deleted || server.operstate === 'DESTROYED') {
          end = [CloseCode.ServerDeleted, 'the server was deleted'];
        } else if (server.operstate === 'STOPPED') {
          end = [CloseCode.ServerStopped, 'the server was stopped'];
        } else if (server.operstate !== 'STARTED') {
          end = [CloseCode.ServerStopped, 'the server is no longer active'];
        } else if (!members.has(membershipKey(s.userId, s.projectId))) {
          end = [CloseCode.PolicyViolation, 'access to the server was revoked'];
        }
        if (end) {
          this.logger.info(
            { requestId: s.requestId, serverId: s.serverId, sessionId: s.id, reason: end[1] },
            'closing console session',
          );
          s.close?.(...end);
        }
      }
    }
    if (Date.now() - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = Date.now();
      const purged = await this.tokens.purgeExpired(TOKEN_KEEP_SECONDS);
      if (purged) this.logger.debug({ purged }, 'purged old console tokens');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.check()
        .catch((err: Error) => this.logger.warn({ err }, 'console session check failed'))
        .finally(() => this.schedule());
    }, this.config.console.watchIntervalMs);
    this.timer.unref();
  }
}
