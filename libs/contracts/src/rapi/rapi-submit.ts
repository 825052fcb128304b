import { RapiError } from './rapi.errors';
import type { RapiClient } from './rapi.client';
import type { RapiJob } from './rapi.types';

export interface SubmitIdentity {
  /** The request id sent as RAPI `reason`: Ganeti copies it into the op's reason trail. */
  reason: string;
  opcode: string;
  instance: string;
}

/** The id of a job whose first op is `opcode` on `instance` with `reason` in its trail. */
export function matchJob(jobs: RapiJob[], who: SubmitIdentity): number | null {
  for (const job of jobs) {
    const op = job.ops?.[0] as
      { OP_ID?: string; instance_name?: string; reason?: unknown } | undefined;
    if (!op || op.OP_ID !== who.opcode || op.instance_name !== who.instance) continue;
    const trail = Array.isArray(op.reason) ? (op.reason as unknown[][]) : [];
    if (trail.some((entry) => Array.isArray(entry) && entry[1] === who.reason)) return job.id;
  }
  return null;
}

/**
 * Submits a RAPI write once. A write that timed out may still have created its job (the master
 * was slow, not absent), and RAPI has no idempotency key: so before reporting failure, look for
 * the job by the request id it carries in its reason trail, and adopt it when it is there.
 */
export async function submitOnce(
  rapi: RapiClient,
  who: SubmitIdentity,
  submit: () => Promise<number>,
  lookups = 3,
  pauseMs = 1000,
): Promise<number> {
  try {
    return await submit();
  } catch (err) {
    if (!(err instanceof RapiError) || err.kind !== 'timeout' || !who.reason) throw err;
    for (let i = 0; i < lookups; i++) {
      const found = await rapi
        .listJobs()
        .then((jobs) => matchJob(jobs, who))
        .catch(() => null);
      if (found !== null) return found;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    throw err;
  }
}
