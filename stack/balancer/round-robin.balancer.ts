import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

export interface Upstream {
  host: string;
  port: number;
}

/** Bodies up to this size are read before forwarding, so a refused connection can be retried. */
const BUFFER_LIMIT = 1024 * 1024;
/** An upstream that refused a connection is skipped for this long. */
const DOWN_FOR_MS = 2000;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * A small HTTP load balancer for several API processes on one machine (what `npm start` and the
 * scaled-out tests put in front of NEFOS_API_REPLICAS processes): each request goes to the next
 * upstream in turn, over kept-alive connections, with X-Forwarded-For/-Proto/-Host added so
 * the API sees the client. Responses stream through (the dashboard's server-sent events). A
 * request whose upstream refused the connection (or reset a reused idle one) before answering
 * is sent to the next upstream when its body was small enough to keep.
 */
export class RoundRobinBalancer {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly server: Server;
  private readonly downUntil: number[];
  private next = 0;
  /** Requests each upstream was given, for tests and the banner. */
  readonly served: number[];

  constructor(
    private readonly upstreams: Upstream[],
    private readonly log: (msg: string) => void = () => undefined,
  ) {
    if (upstreams.length === 0) throw new Error('a balancer needs at least one upstream');
    this.downUntil = upstreams.map(() => 0);
    this.served = upstreams.map(() => 0);
    this.server = createServer((req, res) =>
      // A client that goes away while its body is read leaves nothing to answer.
      this.handle(req, res).catch(() => res.destroy()),
    );
    this.server.keepAliveTimeout = 65_000;
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The next upstream in turn, passing over those that refused a connection lately. */
  private pick(): number {
    const now = Date.now();
    for (let k = 0; k < this.upstreams.length; k++) {
      const i = (this.next + k) % this.upstreams.length;
      if (this.downUntil[i] <= now) {
        this.next = i + 1;
        return i;
      }
    }
    const i = this.next % this.upstreams.length;
    this.next = i + 1;
    return i;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = forwardedHeaders(req);
    const body = await readSmallBody(req);
    const attempts = body === null ? 1 : this.upstreams.length;
    for (let attempt = 1; ; attempt++) {
      const i = this.pick();
      this.served[i]++;
      const outcome = await this.forward(i, req, res, headers, body);
      if (outcome === 'done') return;
      this.downUntil[i] = Date.now() + DOWN_FOR_MS;
      if (attempt >= attempts || res.headersSent) {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 502, message: 'no API process answered' } }));
        } else res.destroy();
        return;
      }
    }
  }

  /** 'retry' when the upstream never saw the request (refused, or a stale kept-alive socket). */
  private forward(
    i: number,
    req: IncomingMessage,
    res: ServerResponse,
    headers: IncomingHttpHeaders,
    body: Buffer | null,
  ): Promise<'done' | 'retry'> {
    const u = this.upstreams[i];
    return new Promise((resolve) => {
      const up = request({
        host: u.host,
        port: u.port,
        method: req.method,
        path: req.url,
        headers,
        agent: this.agent,
      });
      let answered = false;
      up.on('response', (ur) => {
        answered = true;
        res.writeHead(ur.statusCode ?? 502, ur.statusMessage, withoutHopByHop(ur.headers));
        ur.pipe(res);
        ur.on('end', () => resolve('done'));
        ur.on('error', () => {
          res.destroy();
          resolve('done');
        });
      });
      up.on('error', (err: NodeJS.ErrnoException) => {
        if (answered) return;
        const neverSeen =
          err.code === 'ECONNREFUSED' || (err.code === 'ECONNRESET' && up.reusedSocket);
        this.log(`API ${u.host}:${u.port}: ${err.code ?? err.message}`);
        if (neverSeen && !res.headersSent) return resolve('retry');
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 502, message: 'the API process failed' } }));
        } else res.destroy();
        resolve('done');
      });
      // A client that leaves (a closed dashboard stream) ends the upstream request too.
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      if (body === null) req.pipe(up);
      else up.end(body.length ? body : undefined);
    });
  }
}

function forwardedHeaders(req: IncomingMessage): IncomingHttpHeaders {
  const headers = withoutHopByHop(req.headers);
  const peer = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${peer}` : peer;
  headers['x-forwarded-proto'] ??= 'http';
  if (req.headers.host) headers['x-forwarded-host'] ??= req.headers.host;
  return headers;
}

function withoutHopByHop(h: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (!HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

/** The whole body when it is small (API requests are JSON), else null: it will be streamed. */
async function readSmallBody(req: IncomingMessage): Promise<Buffer | null> {
  if (req.headers['transfer-encoding'] !== undefined) return null;
  if (req.headers['content-length'] === undefined) return Buffer.alloc(0);
  if (!(Number(req.headers['content-length']) <= BUFFER_LIMIT)) return null;
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
