/**
 * WebSocket close codes the proxy uses. Standard codes where one fits (RFC 6455 §7.4.1), and
 * application codes in the 4000 range for the session endings a console user should tell apart.
 */
export enum CloseCode {
  Normal = 1000,
  GoingAway = 1001,
  UnsupportedData = 1003,
  PolicyViolation = 1008,
  InternalError = 1011,
  TryAgainLater = 1013,
  IdleTimeout = 4408,
  ServerStopped = 4409,
  ServerDeleted = 4410,
}

/** Why a console connection was refused: a stable key for logs and metrics, and what the client is told. */
export const REFUSALS = {
  'token-missing': { code: CloseCode.PolicyViolation, reason: 'console token missing' },
  'token-unknown': { code: CloseCode.PolicyViolation, reason: 'console token is not valid' },
  'token-used': { code: CloseCode.PolicyViolation, reason: 'console token was already used' },
  'token-expired': { code: CloseCode.PolicyViolation, reason: 'console token has expired' },
  'origin-refused': { code: CloseCode.PolicyViolation, reason: 'origin not allowed' },
  'server-gone': { code: CloseCode.PolicyViolation, reason: 'the server no longer exists' },
  'server-not-active': { code: CloseCode.PolicyViolation, reason: 'the server is not active' },
  'access-revoked': {
    code: CloseCode.PolicyViolation,
    reason: 'access to the server was revoked',
  },
  'limit-user': {
    code: CloseCode.TryAgainLater,
    reason: 'too many consoles open for this user',
  },
  'limit-server': {
    code: CloseCode.TryAgainLater,
    reason: 'too many consoles open for this server',
  },
  'limit-total': { code: CloseCode.TryAgainLater, reason: 'the console proxy is at capacity' },
  'guest-unreachable': {
    code: CloseCode.InternalError,
    reason: "cannot reach the server's console",
  },
  'admission-failed': {
    code: CloseCode.InternalError,
    reason: 'console admission failed; ask for a new console URL',
  },
} as const satisfies Record<string, { code: CloseCode; reason: string }>;

export type RefusalKey = keyof typeof REFUSALS;
