import { STATUS_CODES } from 'node:http';

/** Python's long explanations, which Ganeti's RAPI sends as `explain`. */
const EXPLAIN: Record<number, string> = {
  400: 'Bad request syntax or unsupported method',
  401: 'No permission -- see authorization schemes',
  403: 'Request forbidden -- authorization will not help',
  404: 'Nothing matches the given URI',
  405: 'Specified method is invalid for this resource',
  411: 'Client must specify Content-Length',
  413: 'Entity is too large',
  415: 'Entity body in unsupported format',
  500: 'Server got itself in trouble',
  501: 'Server does not support this operation',
  502: 'Invalid responses from another server/proxy',
  503: 'The server cannot process the request due to a high load',
};

/** An HTTP error in Ganeti's RAPI shape: `{"code", "message", "explain"}`. */
export class HttpError extends Error {
  constructor(
    readonly code: number,
    message?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message || STATUS_CODES[code] || 'Unknown');
  }

  body(): { code: number; message: string; explain: string } {
    return { code: this.code, message: this.message, explain: EXPLAIN[this.code] ?? 'Unknown' };
  }
}

export const badRequest = (m: string): HttpError => new HttpError(400, m);
export const notFound = (m?: string): HttpError => new HttpError(404, m);
