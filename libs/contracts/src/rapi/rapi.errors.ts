/**
 * A RAPI call that failed: an HTTP error from the master, no answer at all, or (kind `offline`)
 * not even tried because an administrator took the backend offline.
 */
export class RapiError extends Error {
  constructor(
    message: string,
    readonly kind: 'http' | 'network' | 'timeout' | 'offline',
    readonly status: number | null,
    /** Ganeti's `explain` field (for opcode errors, the error class and kind). */
    readonly explain: string | null = null,
    readonly backend: string | null = null,
  ) {
    super(message);
    this.name = 'RapiError';
  }

  /** True when the master did not answer: the operation may be retried elsewhere or later. */
  get unreachable(): boolean {
    return this.kind !== 'http';
  }
}
