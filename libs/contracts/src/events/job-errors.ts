/**
 * Failure results of backend jobs that more than one part must recognise (the master writes
 * them, the dispatcher acts on them), so they are matched by a fixed marker, never by wording.
 */

/**
 * The error kind a Nefos master puts beside the message of an op that was running when the
 * master died (`["OpExecError", [message, "unclean_shutdown"]]`): the op did not take effect
 * and was not re-run, so the request behind it may be submitted again.
 */
export const UNCLEAN_SHUTDOWN_KIND = 'unclean_shutdown';

/**
 * What a Ganeti master writes as the whole `result` of every op that was running when it died
 * (its job queue marks them error with this fixed string).
 */
export const GANETI_UNCLEAN_SHUTDOWN_RESULT = 'Unclean master daemon shutdown';

/** True when a failed op's result says the master died while the op ran (see above). */
export function isUncleanShutdown(result: unknown): boolean {
  if (result === GANETI_UNCLEAN_SHUTDOWN_RESULT) return true;
  if (!Array.isArray(result) || typeof result[0] !== 'string') return false;
  const args = result[1];
  return Array.isArray(args) && args[1] === UNCLEAN_SHUTDOWN_KIND;
}

/** The marker both Ganeti and the Nefos master write in place of a secret in a job's input. */
export const REDACTED = '<redacted>';

const REQUEST_ID = /req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The API request id in a Ganeti reason trail `[[source, reason, ts], ...]`, if any. */
export function requestIdFromReason(reason: unknown): string | undefined {
  if (!Array.isArray(reason)) return undefined;
  for (let i = reason.length - 1; i >= 0; i--) {
    const entry = reason[i] as unknown;
    const texts = Array.isArray(entry) ? entry : [entry];
    for (const t of texts) {
      if (typeof t !== 'string') continue;
      const m = REQUEST_ID.exec(t);
      if (m) return m[0];
    }
  }
  return undefined;
}
