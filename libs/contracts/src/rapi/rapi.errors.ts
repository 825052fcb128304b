/** A RAPI call that failed: an HTTP error from the master, or no answer at all. */
export class RapiError extends Error {
  constructor(
    message: string,
    readonly kind: 'http' | 'network' | 'timeout',
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
