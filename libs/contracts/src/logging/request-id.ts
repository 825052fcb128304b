import type { Logger } from 'pino';

/**
 * API request ids (`req-<uuid>`, as OpenStack's `x-openstack-request-id`). The API passes its id
 * as the RAPI `reason`, eventd copies it from the job's reason trail into the event's
 * `requestId`, the dispatcher logs it: `grep req-...` over every process's log follows a request.
 */
export const REQUEST_ID_PATTERN =
  /req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The first request id anywhere in a value (a reason trail, a log message, a job's ops). */
export function findRequestId(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return REQUEST_ID_PATTERN.exec(text ?? '')?.[0];
}

/** A child logger whose every line carries the request id (when there is one). */
export function requestLogger(logger: Logger, requestId: string | null | undefined): Logger {
  return requestId ? logger.child({ requestId }) : logger;
}
