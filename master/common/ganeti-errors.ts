/**
 * Ganeti's error classes as they appear in job results: `[ClassName, args]`. Prerequisite errors
 * carry a kind (`wrong_state`, `unknown_entity`, ...) so that clients can tell why an op failed.
 */
export type ErrorKind =
  | 'resolver_error'
  | 'insufficient_resources'
  | 'wrong_input'
  | 'wrong_state'
  | 'unknown_entity'
  | 'already_exists'
  | 'resource_unavailable'
  | 'temp_insufficient_resources'
  | 'internal_error';

export abstract class GanetiError extends Error {
  abstract encode(): [string, unknown[]];
}

export class OpPrereqError extends GanetiError {
  constructor(
    message: string,
    readonly kind: ErrorKind,
  ) {
    super(message);
    this.name = 'OpPrereqError';
  }
  encode(): [string, unknown[]] {
    return ['OpPrereqError', [this.message, this.kind]];
  }
}

export class OpExecError extends GanetiError {
  /** `kind`: a Nefos extension (Ganeti's OpExecError has the message only) for failures other
   * parts must recognise without reading the message, e.g. `unclean_shutdown`. */
  constructor(
    message: string,
    readonly kind?: string,
  ) {
    super(message);
    this.name = 'OpExecError';
  }
  encode(): [string, unknown[]] {
    return ['OpExecError', this.kind ? [this.message, this.kind] : [this.message]];
  }
}

/** A pre hook failed: `[[node, script, output], ...]` as Ganeti reports it. */
export class HooksAbort extends GanetiError {
  constructor(readonly failures: Array<[string, string, string]>) {
    super(`Hook(s) failed: ${failures.map(([, s, o]) => `${s}: ${o.trim()}`).join('; ')}`);
    this.name = 'HooksAbort';
  }
  encode(): [string, unknown[]] {
    return ['HooksAbort', [this.failures]];
  }
}

/** Anything a worker throws becomes a Ganeti-shaped result; unexpected errors are OpExecError. */
export function encodeError(err: unknown): [string, unknown[]] {
  if (err instanceof GanetiError) return err.encode();
  return ['OpExecError', [err instanceof Error ? err.message : String(err)]];
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
