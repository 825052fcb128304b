import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { WebSocketServer, type WebSocket } from 'ws';
import { NEFOS_CONFIG, NEFOS_LOGGER, type Logger, type NefosConfig } from '@nefos/contracts';
import { bearerAccepted } from '@nefos/contracts/metrics';
import { ConsoleAccessRepository } from '@nefos/database';
import { ConsoleAdmissionService } from '../admission/console-admission.service';
import { ConsoleMetrics } from '../metrics/console.metrics';
import { DEFAULT_RELAY_BUFFERS, RfbRelay, type RelayEnd } from '../relay/rfb-relay';
import { SessionRegistry, type ConsoleSession } from '../sessions/session.registry';
import { ServerWatcher } from '../sessions/server.watcher';
import { NOVNC_PREFIX, NovncAssets, PAGE_PATHS } from '../static/novnc.assets';
import { CloseCode, REFUSALS, type RefusalKey } from './close-codes';
import { originAllowed, TOKEN_PATTERN, tokenFromUrl, WEBSOCKET_PATHS } from './origin';

const DIAL_TIMEOUT_MS = 10000;
const PING_INTERVAL_MS = 30000;

interface Attempt {
  requestId: string;
  remote: string | undefined;
  url: URL;
}

/**
 * The console proxy's one port: the noVNC page and modules, `/metrics`, `/healthz`, and the
 * WebSocket that, once its token is admitted, is relayed to the guest's VNC server.
 */
@Injectable()
export class ConsoleProxyServer implements OnApplicationShutdown {
  private readonly server;
  private readonly wss: WebSocketServer;
  private readonly requestIds = new WeakMap<IncomingMessage, string>();

  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly logger: Logger,
    private readonly admission: ConsoleAdmissionService,
    private readonly registry: SessionRegistry,
    private readonly access: ConsoleAccessRepository,
    private readonly metrics: ConsoleMetrics,
    private readonly watcher: ServerWatcher,
    private readonly assets: NovncAssets,
  ) {
    const { tlsCert, tlsKey } = config.console;
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      this.onRequest(req, res).catch((err: Error) => {
        this.logger.error({ err, path: req.url }, 'console proxy request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
    this.server =
      tlsCert && tlsKey
        ? createHttpsServer({ cert: readFileSync(tlsCert), key: readFileSync(tlsKey) }, onRequest)
        : createHttpServer(onRequest);
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false, // RFB encodings are compressed already
      maxPayload: 4 << 20,
      handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
    });
    this.wss.on('headers', (headers, req) => {
      const id = this.requestIds.get(req);
      if (id) headers.push(`X-OpenStack-Request-Id: ${id}`);
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
  }

  get scheme(): 'http' | 'https' {
    return this.config.console.tlsCert ? 'https' : 'http';
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.config.console.port, this.config.listenHost, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.watcher.start();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const s of this.registry.active()) {
      s.close?.(CloseCode.GoingAway, 'the console proxy is shutting down');
    }
    for (const ws of this.wss.clients)
      ws.close(CloseCode.GoingAway, 'the console proxy is shutting down');
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections?.();
    });
  }

  // ---- plain HTTP ----

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const { pathname } = new URL(req.url ?? '/', 'http://console');
    if (PAGE_PATHS.has(pathname)) return this.assets.servePage(req, res);
    if (pathname === '/') {
      res.writeHead(302, { Location: '/vnc.html' }).end();
      return;
    }
    if (pathname.startsWith(NOVNC_PREFIX) && this.assets.serveModule(req, res, pathname)) return;
    if (pathname === '/metrics') {
      if (!bearerAccepted(req.headers.authorization, this.config.ops.metricsToken)) {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="metrics"' }).end('unauthorized\n');
        return;
      }
      const body = await this.metrics.registry.metrics();
      res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType }).end(body);
      return;
    }
    if (pathname === '/healthz') {
      const ok = await this.access.ping().then(
        () => true,
        () => false,
      );
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          status: ok ? 'ok' : 'degraded',
          dependencies: [{ name: 'postgres', ok }],
        }),
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
  }

  // ---- WebSocket ----

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://console');
    if (!WEBSOCKET_PATHS.has(url.pathname)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const attempt: Attempt = {
      requestId: `req-${randomUUID()}`,
      remote: req.socket.remoteAddress,
      url,
    };
    this.requestIds.set(req, attempt.requestId);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // Nothing the browser sends may reach the guest before admission: hold its messages.
      ws.pause();
      this.onConnection(ws, req, attempt).catch((err: Error) => {
        this.logger.error({ err, requestId: attempt.requestId }, 'console admission failed');
        this.refuse(ws, attempt, 'admission-failed');
      });
    });
  }

  private async onConnection(ws: WebSocket, req: IncomingMessage, attempt: Attempt): Promise<void> {
    if (!this.registry.openConnection()) return this.refuse(ws, attempt, 'limit-total');
    ws.once('close', () => this.registry.closeConnection());

    const origin = req.headers.origin;
    if (
      !originAllowed(
        origin,
        req.headers.host,
        this.config.console.publicUrl,
        this.config.console.allowedOrigins,
      )
    ) {
      return this.refuse(ws, attempt, 'origin-refused', { origin });
    }
    const token = tokenFromUrl(attempt.url);
    if (!token) return this.refuse(ws, attempt, 'token-missing');
    if (!TOKEN_PATTERN.test(token)) return this.refuse(ws, attempt, 'token-unknown');

    const result = await this.admission.admit(token, attempt.requestId);
    if (!result.ok) {
      return this.refuse(ws, attempt, result.refusal, {
        serverId: result.token?.serverId,
        userId: result.token?.userId,
        mintRequestId: result.token?.requestId,
      });
    }
    const { session, token: row } = result;
    if (ws.readyState !== ws.OPEN) {
      // The browser left while we checked; the token is spent, the slot goes back.
      result.release();
      ws.terminate();
      this.logger.info(
        { requestId: attempt.requestId, serverId: session.serverId },
        'console client left during admission',
      );
      return;
    }
    let tcp: Socket;
    try {
      tcp = await dial(row.host, row.port);
    } catch (err) {
      result.release();
      return this.refuse(ws, attempt, 'guest-unreachable', {
        serverId: session.serverId,
        target: `${row.host}:${row.port}`,
        error: (err as Error).message,
      });
    }
    if (ws.readyState !== ws.OPEN) {
      tcp.destroy();
      result.release();
      ws.terminate();
      return;
    }
    this.startRelay(ws, tcp, session, attempt, result.release, row.requestId);
  }

  private startRelay(
    ws: WebSocket,
    tcp: Socket,
    session: ConsoleSession,
    attempt: Attempt,
    release: () => void,
    mintRequestId: string | null,
  ): void {
    const log = {
      requestId: attempt.requestId,
      sessionId: session.id,
      serverId: session.serverId,
      userId: session.userId,
    };
    const relay = new RfbRelay(ws, tcp, {
      idleMs: this.config.console.idleTimeoutSeconds * 1000,
      pingIntervalMs: PING_INTERVAL_MS,
      ...DEFAULT_RELAY_BUFFERS,
      onBytes: (direction, n) => this.metrics.bytes.inc({ direction }, n),
      onEnd: (end: RelayEnd) => {
        release();
        const seconds = (Date.now() - session.startedAt.getTime()) / 1000;
        this.metrics.duration.observe(seconds);
        this.metrics.closes.inc({ initiator: end.initiator, code: String(end.code) });
        this.logger.info({ ...log, ...end, seconds }, 'console session closed');
        this.trail(session.serverId, attempt.requestId, 'console session closed', {
          ...end,
          seconds,
        });
      },
    });
    session.close = (code, reason) => relay.close(code, reason);
    relay.start();
    this.metrics.admissions.inc({ result: 'admitted', reason: '' });
    this.logger.info({ ...log, mintRequestId, remote: attempt.remote }, 'console session admitted');
    this.trail(session.serverId, attempt.requestId, 'console session opened', {
      sessionId: session.id,
      userId: session.userId,
      remote: attempt.remote ?? null,
      mintRequestId,
    });
  }

  private refuse(
    ws: WebSocket,
    attempt: Attempt,
    key: RefusalKey,
    details: Record<string, unknown> = {},
  ): void {
    const { code, reason } = REFUSALS[key];
    this.metrics.admissions.inc({ result: 'refused', reason: key });
    this.logger.warn(
      { requestId: attempt.requestId, refusal: key, remote: attempt.remote, ...details },
      `console connection refused: ${reason}`,
    );
    if (typeof details.serverId === 'string') {
      this.trail(details.serverId, attempt.requestId, `console connection refused: ${reason}`, {
        refusal: key,
      });
    }
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
      // Read again (what arrives is dropped: no listener) so the closing handshake completes.
      ws.resume();
      ws.close(code, reason);
    }
  }

  private trail(
    serverId: string,
    requestId: string,
    message: string,
    data: Record<string, unknown>,
  ): void {
    this.access
      .trail(serverId, requestId, message, data)
      .catch((err: Error) =>
        this.logger.debug({ err, serverId }, 'could not record the console trail'),
      );
  }
}

function dial(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(DIAL_TIMEOUT_MS, () =>
      fail(new Error(`no answer within ${DIAL_TIMEOUT_MS} ms`)),
    );
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
