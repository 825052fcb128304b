/**
 * Typed domain errors. Services throw these; the one fault filter maps them to OpenStack fault
 * bodies (`{"itemNotFound": {"code": 404, "message": "..."}}`) or Keystone's `{"error": {...}}`.
 */
export type FaultName =
  | 'badRequest'
  | 'unauthorized'
  | 'forbidden'
  | 'itemNotFound'
  | 'badMethod'
  | 'notAcceptable'
  | 'conflictingRequest'
  | 'requestEntityTooLarge'
  | 'badMediaType'
  | 'overLimit'
  | 'computeFault'
  | 'notImplemented'
  | 'serviceUnavailable';

export const FAULT_STATUS: Record<FaultName, number> = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  itemNotFound: 404,
  badMethod: 405,
  notAcceptable: 406,
  conflictingRequest: 409,
  requestEntityTooLarge: 413,
  badMediaType: 415,
  overLimit: 429,
  computeFault: 500,
  notImplemented: 501,
  serviceUnavailable: 503,
};

export class DomainError extends Error {
  constructor(
    readonly fault: FaultName,
    message: string,
    /** Extra response headers, e.g. `Retry-After` for rate limits. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return FAULT_STATUS[this.fault];
  }
}

export const badRequest = (m: string): DomainError => new DomainError('badRequest', m);
export const notFound = (m: string): DomainError => new DomainError('itemNotFound', m);
export const conflict = (m: string): DomainError => new DomainError('conflictingRequest', m);
export const forbidden = (m: string): DomainError => new DomainError('forbidden', m);
export const unauthorized = (m: string): DomainError => new DomainError('unauthorized', m);
export const notImplemented = (m: string): DomainError => new DomainError('notImplemented', m);
