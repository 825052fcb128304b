import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import { NEFOS_CONFIG, NEFOS_LOGGER, type Logger, type NefosConfig } from '@nefos/contracts';
import { InvalidQuotaError, QuotaExceededError } from '@nefos/database';
import { isDatabaseBusy } from './database-busy';
import { DomainError, FAULT_STATUS, type FaultName } from './domain.error';

const STATUS_FAULT: Record<number, FaultName> = Object.fromEntries(
  Object.entries(FAULT_STATUS).map(([name, status]) => [status, name as FaultName]),
) as Record<number, FaultName>;

const KEYSTONE_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** What a client sent that Express itself rejected (body-parser errors carry a status and a type). */
function bodyParserFault(err: unknown): { status: number; message: string } | null {
  const e = err as { type?: string; status?: number; message?: string };
  if (!e || typeof e.type !== 'string' || typeof e.status !== 'number') return null;
  switch (e.type) {
    case 'entity.parse.failed':
      return { status: 400, message: 'Malformed request body: the body is not valid JSON' };
    case 'entity.too.large':
      return { status: 413, message: 'Request body is too large' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, message: e.message ?? 'Unsupported encoding' };
    default:
      return { status: e.status, message: e.message ?? 'Bad request' };
  }
}

/**
 * The one place where errors become HTTP faults. Compute (and everything else) answers with
 * OpenStack fault bodies; the identity service answers with Keystone's `{"error": {...}}`.
 * Anything unexpected is logged and answered 500 without internals.
 */
@Catch()
export class FaultFilter implements ExceptionFilter {
  constructor(
    @Inject(NEFOS_LOGGER) private readonly logger: Logger,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    let status: number;
    let message: string;
    let headers: Record<string, string> = {};
    const parsed = bodyParserFault(exception);
    if (exception instanceof DomainError) {
      status = exception.status;
      message = exception.message;
      headers = exception.headers;
    } else if (exception instanceof QuotaExceededError) {
      status = 403; // Nova answers an over-quota request with 403 forbidden
      message = exception.message;
    } else if (exception instanceof InvalidQuotaError) {
      status = 400;
      message = exception.message;
    } else if (parsed) {
      ({ status, message } = parsed);
    } else if (isDatabaseBusy(exception)) {
      // Overload, not a fault of the request: nothing was committed, so a retry is safe.
      status = 503;
      message =
        'The service is too busy to handle the request now; nothing was changed, try again shortly.';
      headers = { 'Retry-After': '5' };
      this.logger.warn(
        {
          err: exception,
          requestId:
            req.headers['x-openstack-request-id'] ?? res.getHeader('x-openstack-request-id'),
          path: req.originalUrl,
        },
        'database busy: answered 503',
      );
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      message =
        status === 404 &&
        typeof body === 'object' &&
        /^Cannot /.test(String((body as { message?: unknown }).message))
          ? 'The resource could not be found.'
          : typeof body === 'string'
            ? body
            : Array.isArray((body as { message?: unknown }).message)
              ? (body as { message: string[] }).message.join('; ')
              : String((body as { message?: unknown }).message ?? exception.message);
    } else {
      status = 500;
      message = 'An unexpected error occurred; the request id identifies it in the logs.';
      this.logger.error(
        {
          err: exception,
          requestId:
            req.headers['x-openstack-request-id'] ?? res.getHeader('x-openstack-request-id'),
          path: req.originalUrl,
        },
        'unhandled error',
      );
    }
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    // A 401 is Keystone's on every service (keystonemiddleware answers it in front of Nova too),
    // pointing clients at the identity endpoint of the public URL.
    if (req.originalUrl.startsWith('/identity') || status === 401) {
      if (status === 401)
        res.setHeader('WWW-Authenticate', `Keystone uri="${this.config.api.publicUrl}/identity"`);
      res
        .status(status)
        .json({ error: { code: status, title: KEYSTONE_TITLES[status] ?? 'Error', message } });
      return;
    }
    const fault = STATUS_FAULT[status] ?? (status >= 500 ? 'computeFault' : 'badRequest');
    res.status(status).json({ [fault]: { code: status, message } });
  }
}
