import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  /** When set, scrapes must send `Authorization: Bearer <token>` (Prometheus' `authorization`). */
  bearerToken?: string;
  /** Runs before each scrape, for gauges read on demand (queue length, free capacity). */
  beforeScrape?: () => void;
}

/**
 * `GET /metrics` on a daemon's own port, and nothing else (404). One helper for every daemon so
 * they answer scrapes the same way.
 */
export function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
  options: MetricsServerOptions = {},
): Promise<Server> {
  const server = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end();
      return;
    }
    if (!bearerAccepted(req.headers.authorization, options.bearerToken)) {
      res
        .writeHead(401, {
          'WWW-Authenticate': 'Bearer realm="metrics"',
          'Content-Type': 'text/plain',
        })
        .end('unauthorized\n');
      return;
    }
    options.beforeScrape?.();
    registry
      .metrics()
      .then((text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      })
      .catch((err: Error) =>
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err.message}\n`),
      );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** True when no token is configured, or the header carries exactly that bearer token. */
export function bearerAccepted(
  header: IncomingMessage['headers']['authorization'],
  token: string | undefined,
): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]);
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
