import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@nefos/contracts';
import { HttpError, badRequest } from './http-error';
import { passwordMatches, REALM, type RapiUsers } from './rapi-users';

export type Access = 'read' | 'write';

export interface RapiRequest {
  method: string;
  path: string;
  items: string[];
  query: URLSearchParams;
  body: unknown;
  user: string;
  /** Aborted when the client goes away (ends long-polls early). */
  signal: AbortSignal;
}

export type Handler = (req: RapiRequest) => unknown;

export interface Route {
  pattern: RegExp;
  methods: Partial<
    Record<'GET' | 'PUT' | 'POST' | 'DELETE', { handler: Handler; access?: Access }>
  >;
}

const MAX_BODY = 4 * 1024 * 1024;

/** Ganeti's RAPI over HTTPS: routing, basic auth from the users file, JSON in and out. */
export class RapiServer {
  private server: Server | null = null;

  constructor(
    private readonly routes: Route[],
    private readonly users: RapiUsers,
    private readonly logger: Logger,
    private readonly onRequest: (method: string, code: number) => void = () => undefined,
  ) {}

  listen(port: number, host: string, tls: { key: string; cert: string }): Promise<void> {
    this.server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      void this.handle(req, res);
    });
    // Longer than clients keep idle sockets (the API's RAPI client: 30 s), so a client never
    // sends a request on a connection the server is closing (ECONNRESET on a create).
    this.server.keepAliveTimeout = 65_000;
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let code = 200;
    try {
      const url = new URL(req.url ?? '/', 'https://rapi');
      const path = url.pathname.replace(/\/+$/, '') || '/';
      let items: string[] = [];
      const route = this.routes.find((r) => {
        const m = r.pattern.exec(path);
        if (m) items = m.slice(1).map((s) => decodeURIComponent(s));
        return Boolean(m);
      });
      if (!route) throw new HttpError(404);
      const entry = route.methods[method as keyof Route['methods']];
      if (!entry) throw new HttpError(501, `Method ${method} is unsupported for path ${path}`);
      const access: Access = entry.access ?? (method === 'GET' ? 'read' : 'write');
      const user = this.authenticate(req, access);
      const body = await readBody(req);
      const result = await entry.handler({
        method,
        path,
        items,
        query: url.searchParams,
        body,
        user,
        signal: abort.signal,
      });
      send(res, 200, result === undefined ? null : result);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, (err as Error).message);
      if (!(err instanceof HttpError)) this.logger.error({ err }, 'RAPI handler failed');
      code = e.code;
      send(res, e.code, e.body(), e.headers);
    } finally {
      this.onRequest(method, code);
    }
  }

  private authenticate(req: IncomingMessage, access: Access): string {
    const challenge = { 'WWW-Authenticate': `Basic realm="${REALM}"` };
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(\S+)$/i.exec(header);
    if (!m) throw new HttpError(401, undefined, challenge);
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const name = i >= 0 ? decoded.slice(0, i) : decoded;
    const password = i >= 0 ? decoded.slice(i + 1) : '';
    const user = this.users.get(name);
    if (!user || !passwordMatches(user, password)) throw new HttpError(401, undefined, challenge);
    if (access === 'write' && !user.options.has('write')) {
      this.logger.warn(
        { user: name, method: req.method, path: req.url },
        'RAPI user lacks write access',
      );
      throw new HttpError(403);
    }
    return name;
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.length === 0) return null;
  const type = (req.headers['content-type'] ?? 'application/octet-stream')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type !== 'application/json') throw new HttpError(415);
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('Unable to parse JSON data');
  }
}

function send(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const data = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(data),
    Server: 'Ganeti 3.0.2 (Nefos)',
    ...headers,
  });
  res.end(data);
}
