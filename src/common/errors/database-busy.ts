/**
 * Errors that mean "the database could not serve this in time", not "this request is wrong":
 * Prisma's transaction manager (P2028: no connection within maxWait, or the transaction ran past
 * its timeout), its pool timeout (P2024), a write conflict or deadlock it gave up on (P2034), and
 * node-postgres's own pool timeout under the driver adapter. Clients get 503 and may retry.
 */
const BUSY_CODES = new Set(['P2024', 'P2028', 'P2034']);
const BUSY_MESSAGES = [
  /Unable to start a transaction in the given time/,
  /cannot be executed on an expired transaction/,
  /timeout exceeded when trying to connect/,
];

export function isDatabaseBusy(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && BUSY_CODES.has(code)) return true;
  return typeof message === 'string' && BUSY_MESSAGES.some((m) => m.test(message));
}
