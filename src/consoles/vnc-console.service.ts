import { Inject, Injectable } from '@nestjs/common';
import {
  generateOpaqueToken,
  hashToken,
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  RapiClientFactory,
  RapiError,
  viewServerState,
  type Logger,
  type NefosConfig,
} from '@nefos/contracts';
import {
  BackendRepository,
  ConsoleAccessRepository,
  ConsoleTokenRepository,
  type ConsoleServerRow,
} from '@nefos/database';
import { badRequest, conflict, DomainError, notFound } from '../common/errors/domain.error';
import type { AuthContext } from '../identity/auth/auth-context';
import { novncConsoleUrl } from './console-url';

export const VNC_CONSOLE_ACTION = 'os-getVNCConsole';

export type VncConsoleType = 'novnc' | 'xvpvnc';

/** The server fields a console needs (a compute server row has them all). */
export type ConsoleServer = Pick<
  ConsoleServerRow,
  'id' | 'projectId' | 'operstate' | 'task' | 'deleted' | 'instanceName' | 'backendId'
> & { resizePending?: boolean };

export interface VncConsole {
  console: { type: 'novnc'; url: string };
}

/**
 * `os-getVNCConsole`: asks the server's backend where its VNC listens and hands out a one-time,
 * short-lived URL through the console proxy. The guest's VNC address never reaches the user.
 */
@Injectable()
export class VncConsoleService {
  constructor(
    private readonly access: ConsoleAccessRepository,
    private readonly tokens: ConsoleTokenRepository,
    private readonly backends: BackendRepository,
    private readonly rapi: RapiClientFactory,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly logger: Logger,
  ) {}

  async getConsole(
    auth: AuthContext,
    server: ConsoleServer,
    type: VncConsoleType,
    requestId: string | null,
  ): Promise<VncConsole> {
    if (type === 'xvpvnc') {
      throw badRequest(
        'Unavailable console type xvpvnc: this cloud offers noVNC consoles only (type novnc).',
      );
    }
    // The caller has shown the server is visible; admins may reach other projects' servers.
    if (server.deleted || (server.projectId !== auth.projectId && !auth.isAdmin)) {
      throw notFound(`Instance ${server.id} could not be found.`);
    }
    const { status } = viewServerState(server);
    if (status !== 'ACTIVE' || !server.backendId) {
      throw conflict(
        `Cannot '${VNC_CONSOLE_ACTION}' instance ${server.id} while it is in status ${status}: only ACTIVE servers have a console.`,
      );
    }
    const backend = await this.backends.findById(server.backendId);
    if (!backend) throw unavailable(`The backend of instance ${server.id} is not registered.`);
    if (backend.offline) {
      throw unavailable(
        `Cannot '${VNC_CONSOLE_ACTION}' instance ${server.id}: its backend ${backend.name} is offline (taken out of service by an administrator) and is not contacted. Try again once it is back online.`,
      );
    }

    const endpoint = await this.rapi
      .forBackend(backend)
      .instanceConsole(server.instanceName)
      .catch((err: unknown) => {
        if (err instanceof RapiError && err.status === 503) {
          throw conflict(`Instance ${server.id} is not running on its backend; try again later.`);
        }
        if (err instanceof RapiError && err.status === 404) {
          throw conflict(`Instance ${server.id} is not known to its backend.`);
        }
        this.logger.warn({ err, requestId, serverId: server.id }, 'backend console lookup failed');
        throw unavailable(`The console of instance ${server.id} cannot be reached right now.`);
      });
    if (endpoint.kind !== 'vnc' || !endpoint.host || !validPort(endpoint.port)) {
      throw conflict(`Instance ${server.id} offers no VNC console (kind ${endpoint.kind}).`);
    }

    const token = generateOpaqueToken();
    const { expiresAt } = await this.tokens.create({
      hash: hashToken(token),
      serverId: server.id,
      userId: auth.userId,
      projectId: server.projectId,
      host: endpoint.host,
      port: endpoint.port,
      kind: 'novnc',
      requestId,
      ttlSeconds: this.config.console.tokenTtlSeconds,
    });
    await this.access.trail(server.id, requestId, 'console token issued', {
      userId: auth.userId,
      type: 'novnc',
      expiresAt: expiresAt.toISOString(),
    });
    this.logger.info(
      { requestId, serverId: server.id, userId: auth.userId, expiresAt },
      'console token issued',
    );
    return {
      console: { type: 'novnc', url: novncConsoleUrl(this.config.console.publicUrl, token) },
    };
  }
}

function unavailable(message: string): DomainError {
  return new DomainError('serviceUnavailable', message);
}

function validPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536;
}
