import { z } from 'zod';
import { epochNano } from '../../common/ganeti-time';
import type { OpInput } from '../../queue/job.types';
import { instanceCreateOp } from './instance-create.op';
import { instanceQueryDataOp, instanceReinstallOp } from './instance-info.ops';
import { instanceGrowDiskOp, instanceSetParamsOp } from './instance-modify.ops';
import {
  instanceRebootOp,
  instanceRemoveOp,
  instanceShutdownOp,
  instanceStartupOp,
} from './instance-power.ops';
import {
  networkAddOp,
  networkConnectOp,
  networkDisconnectOp,
  networkRemoveOp,
} from './network.ops';
import { nodeAddOp, nodeRemoveOp, nodeSetParamsOp } from './node.ops';
import type { OpDefinition } from './op.types';
import { commonParams } from './schemas';
import { tagsDelOp, tagsSetOp } from './tags.ops';

const ALL: OpDefinition<never>[] = [
  instanceCreateOp,
  instanceRemoveOp,
  instanceStartupOp,
  instanceShutdownOp,
  instanceRebootOp,
  instanceSetParamsOp,
  instanceGrowDiskOp,
  instanceReinstallOp,
  instanceQueryDataOp,
  nodeSetParamsOp,
  nodeAddOp,
  nodeRemoveOp,
  networkAddOp,
  networkConnectOp,
  networkDisconnectOp,
  networkRemoveOp,
  tagsSetOp,
  tagsDelOp,
] as unknown as OpDefinition<never>[];

export const OPCODES: ReadonlyMap<string, OpDefinition<unknown>> = new Map(
  ALL.map((d) => [d.id, d as unknown as OpDefinition<unknown>]),
);

/** An opcode whose parameters do not validate: the RAPI answers 400, no job is created. */
export class InvalidOpcodeError extends Error {}

const common = z.object(commonParams).strict();
const COMMON_KEYS = new Set(Object.keys(commonParams));

/**
 * Validates an opcode before it is queued (Ganeti's opcode validation) and returns the input to
 * store in the job file: the parameters as given, the reason trail, and secrets redacted.
 */
export function buildOpInput(
  opId: string,
  params: Record<string, unknown>,
  reason: { user?: string | null; source: string },
): OpInput {
  const def = OPCODES.get(opId);
  if (!def) throw new InvalidOpcodeError(`Unknown opcode ${opId}`);
  const own: Record<string, unknown> = {};
  const shared: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    (COMMON_KEYS.has(k) ? shared : own)[k] = v;
  }
  const c = common.safeParse(shared);
  const p = def.schema.safeParse(own);
  const issues = [...(c.success ? [] : c.error.issues), ...(p.success ? [] : p.error.issues)];
  if (issues.length) {
    const text = issues
      .map((i) =>
        i.code === 'unrecognized_keys'
          ? `unknown parameter(s) ${i.keys.join(', ')}`
          : `${i.path.join('.') || 'body'}: ${i.message}`,
      )
      .join('; ');
    throw new InvalidOpcodeError(`Invalid body parameters: ${text}`);
  }
  const trail: Array<[string, string, number]> = [
    ...((shared.reason as Array<[string, string, number]>) ?? []),
  ];
  if (reason.user) trail.push(['gnt:user', reason.user, epochNano()]);
  trail.push([reason.source, '', epochNano()]);
  return { OP_ID: opId, ...redact(params), reason: trail };
}

function redact(params: Record<string, unknown>): Record<string, unknown> {
  const out = { ...params };
  delete out.reason;
  for (const key of ['osparams', 'osparams_secret', 'osparams_private']) {
    const v = out[key];
    if (v && typeof v === 'object') {
      const copy = { ...(v as Record<string, unknown>) };
      for (const k of Object.keys(copy)) {
        if (key !== 'osparams' || k === 'img_passwd') copy[k] = '<redacted>';
      }
      out[key] = copy;
    }
  }
  return out;
}
