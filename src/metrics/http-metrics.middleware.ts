import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { NEFOS_LOGGER, type Logger } from '@nefos/contracts';
import { ApiMetrics } from './api.metrics';

// Requests of monitors: logged at debug so a scrape every 15 s does not flood the log.
const QUIET = new Set(['/metrics', '/healthz']);

/**
 * Counts and times every request by its route template (`/compute/v2.1/servers/:server_id`,
 * never the raw URL, so label values stay few) and writes one access line carrying the request
 * id: the first line of the grep that follows a request through the master, eventd and dispatcher.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(
    private readonly metrics: ApiMetrics,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    this.metrics.inFlight.inc();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      this.metrics.inFlight.dec();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(req);
      // A client that hung up before the answer: 499, as nginx logs it.
      const status = res.writableFinished ? String(res.statusCode) : '499';
      const labels = { method: req.method, route, status };
      this.metrics.requests.inc(labels);
      this.metrics.duration.observe(labels, seconds);
      const path = req.originalUrl.split('?')[0];
      const line = {
        requestId: (req as Request & { requestId?: string }).requestId,
        method: req.method,
        route,
        path,
        status: Number(status),
        ms: Math.round(seconds * 1000 * 10) / 10,
        userId: (req as Request & { auth?: { userId: string } }).auth?.userId,
      };
      if (QUIET.has(path)) this.log.debug(line, 'request');
      else this.log.info(line, 'request');
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  }
}

/** The matched route's template, or `unmatched` (a 404 before any route). */
export function routeTemplate(req: Pick<Request, 'route' | 'baseUrl'>): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return 'unmatched';
  return `${req.baseUrl ?? ''}${path}` || '/';
}
