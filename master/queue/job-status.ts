import type { OpStatus } from '@nefos/contracts';
import type { QueuedJob, QueuedOp } from './job.types';

/** A job's status derived from its ops, by Ganeti's rules (the file has no status field). */
export function jobStatus(job: QueuedJob): OpStatus {
  let status: OpStatus = 'queued';
  let allSuccess = true;
  for (const op of job.ops) {
    if (op.status === 'success') continue;
    allSuccess = false;
    if (op.status === 'queued') continue;
    if (op.status === 'waiting' || op.status === 'running') {
      status = op.status;
      continue;
    }
    status = op.status; // canceling, canceled, error end the scan
    break;
  }
  return allSuccess ? 'success' : status;
}

export function isFinal(status: OpStatus): boolean {
  return status === 'success' || status === 'error' || status === 'canceled';
}

/** Which parameter names an op in summaries (`INSTANCE_CREATE(name)`). */
const SUMMARY_FIELDS = ['instance_name', 'node_name', 'network_name', 'group_name', 'name'];

export function opSummary(op: QueuedOp): string {
  const id = op.input.OP_ID.replace(/^OP_/, '');
  if (op.input.OP_ID === 'OP_TAGS_SET' || op.input.OP_ID === 'OP_TAGS_DEL') {
    const tags = op.input.tags as string[] | undefined;
    return `${id}(${op.input.kind}${op.input.name ? `/${op.input.name}` : ''}:${(tags ?? []).join(',')})`;
  }
  for (const f of SUMMARY_FIELDS) {
    const v = op.input[f];
    if (typeof v === 'string' && v) return `${id}(${v})`;
  }
  return id;
}
