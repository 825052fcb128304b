import {
  OpCode,
  REDACTED,
  type RapiClient,
  type RapiInstanceCreate,
  type RapiInstanceModify,
  type RapiJob,
} from '@nefos/contracts';

/** How to make the request of an interrupted job again, or why it cannot be made again. */
export type ResubmitRequest =
  | {
      ok: true;
      opcode: string;
      /** Submits the same operation; `reason` goes into the new job's reason trail. */
      submit: (rapi: RapiClient, reason: string) => Promise<number>;
      /** What differs from the original request (secrets the backend no longer has). */
      notes: string[];
    }
  | { ok: false; why: string };

// Op input keys that are the job's bookkeeping, not the operation's parameters.
const NOT_PARAMS = new Set([
  'OP_ID',
  'reason',
  'comment',
  'debug_level',
  'priority',
  'depends',
  'dry_run',
  'instance_name',
]);

const SECRET_PARAMS = ['osparams_secret', 'osparams_private'];

/** The operation's own parameters, without nulls (Ganeti writes every unset one as null). */
function params(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input).filter(([k, v]) => !NOT_PARAMS.has(k) && v !== null && v !== undefined),
  );
}

/**
 * Drops what the job file only holds as `<redacted>` (the backend never keeps a secret): the
 * rest of the request is sent as it was, and each dropped secret is named in `notes`.
 */
function withoutSecrets(p: Record<string, unknown>, notes: string[]): Record<string, unknown> {
  const out = { ...p };
  const os = out.osparams;
  if (os && typeof os === 'object') {
    const kept = Object.entries(os as Record<string, unknown>).filter(([k, v]) => {
      if (v !== REDACTED) return true;
      notes.push(
        k === 'img_passwd'
          ? 'the admin password was not sent again (the backend keeps no copy of it)'
          : `osparams.${k} was not sent again (the backend keeps no copy of it)`,
      );
      return false;
    });
    if (kept.length) out.osparams = Object.fromEntries(kept);
    else delete out.osparams;
  }
  for (const key of SECRET_PARAMS) {
    if (out[key] === undefined) continue;
    notes.push(`${key} was not sent again (the backend keeps no copy of it)`);
    delete out[key];
  }
  return out;
}

/**
 * The request behind op `opIndex` of `job` (as `GET /2/jobs/<id>` shows it), ready to be
 * submitted again through RAPI. Only single-op jobs of the kinds the API submits qualify: a
 * multi-op job (a rebuild) may have done part of its work before the crash.
 */
export function resubmitRequest(job: RapiJob, opIndex: number): ResubmitRequest {
  const ops = job.ops ?? [];
  if (ops.length !== 1 || opIndex !== 0) {
    return {
      ok: false,
      why: `job ${job.id} has ${ops.length} ops; only single-op jobs are sent again`,
    };
  }
  const input = ops[0];
  const opcode = String(input.OP_ID ?? '');
  const name = input.instance_name;
  if (typeof name !== 'string' || !name) {
    return { ok: false, why: `job ${job.id} names no instance` };
  }
  const notes: string[] = [];
  const p = withoutSecrets(params(input), notes);
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  switch (opcode) {
    case OpCode.InstanceCreate: {
      const { os_type: os, ...rest } = p;
      const body = { ...rest, name, ...(typeof os === 'string' ? { os } : {}) };
      return {
        ok: true,
        opcode,
        notes,
        submit: (rapi, reason) =>
          rapi.createInstance(body as unknown as RapiInstanceCreate, { reason }),
      };
    }
    case OpCode.InstanceStartup:
    case OpCode.InstanceShutdown:
      // The client sends neither flag; the API never sets them.
      if (p.force === true || p.no_remember === true) {
        return { ok: false, why: `job ${job.id} used force/no_remember, which is not sent again` };
      }
      return {
        ok: true,
        opcode,
        notes,
        submit:
          opcode === OpCode.InstanceStartup
            ? (rapi, reason) => rapi.startupInstance(name, { reason })
            : (rapi, reason) => rapi.shutdownInstance(name, { reason, timeout: num(p.timeout) }),
      };
    case OpCode.InstanceReboot: {
      const type = p.reboot_type;
      if (type !== 'soft' && type !== 'hard' && type !== 'full') {
        return { ok: false, why: `job ${job.id} has no reboot type` };
      }
      return {
        ok: true,
        opcode,
        notes,
        submit: (rapi, reason) => rapi.rebootInstance(name, type, { reason }),
      };
    }
    case OpCode.InstanceRemove:
      return {
        ok: true,
        opcode,
        notes,
        submit: (rapi, reason) =>
          rapi.deleteInstance(name, { reason, shutdownTimeout: num(p.shutdown_timeout) }),
      };
    case OpCode.InstanceSetParams: {
      if (notes.length > 0 || Object.keys(p).length === 0) {
        // A password change: without the secret, the request would change nothing.
        return {
          ok: false,
          why: `job ${job.id} changed only secrets the backend keeps no copy of (${notes.join('; ')})`,
        };
      }
      return {
        ok: true,
        opcode,
        notes,
        submit: (rapi, reason) =>
          rapi.modifyInstance(name, p as unknown as RapiInstanceModify, { reason }),
      };
    }
    default:
      return { ok: false, why: `${opcode} jobs are not sent again` };
  }
}
