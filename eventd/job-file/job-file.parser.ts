import { z } from 'zod';
import { OP_STATUSES, ganetiTimestamp } from '@nefos/contracts';

/**
 * One Ganeti job file (DESIGN.md §3). Unknown fields are kept out of the way rather than refused:
 * a newer Ganeti may add some, and eventd must keep running on it.
 */
const timestamp = ganetiTimestamp.nullable().optional().catch(null);

const logEntry = z.tuple([z.number(), ganetiTimestamp, z.string(), z.unknown()]).rest(z.unknown());

const opSchema = z
  .object({
    input: z.object({ OP_ID: z.string().regex(/^OP_[A-Z0-9_]+$/) }).passthrough(),
    status: z.enum(OP_STATUSES),
    result: z.unknown().optional(),
    log: z.array(z.unknown()).default([]),
    priority: z.number().optional(),
    start_timestamp: timestamp,
    exec_timestamp: timestamp,
    end_timestamp: timestamp,
  })
  .passthrough();

const jobSchema = z
  .object({
    // Older Ganeti versions wrote ids as strings.
    id: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]),
    received_timestamp: timestamp,
    start_timestamp: timestamp,
    end_timestamp: timestamp,
    ops: z.array(opSchema).min(1),
  })
  .passthrough();

export type JobFileOp = z.infer<typeof opSchema>;
export type JobFile = z.infer<typeof jobSchema>;
export type LogEntry = z.infer<typeof logEntry>;

export class JobFileError extends Error {
  constructor(
    message: string,
    /** True when the text ends early, as a file caught in the middle of a write would. */
    readonly truncated: boolean,
  ) {
    super(message);
    this.name = 'JobFileError';
  }
}

export function parseJobFile(text: string): JobFile {
  if (text.trim() === '') throw new JobFileError('empty job file', true);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    throw new JobFileError(
      `not JSON: ${msg}`,
      /end of (JSON )?input|Unterminated|Expected .* after/i.test(msg),
    );
  }
  const parsed = jobSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new JobFileError(`not a job file: ${why}`, false);
  }
  return parsed.data;
}

/** The message of the op log's last entry (`[serial, ts, type, message]`), as text. */
export function lastLogMessage(op: JobFileOp): string {
  for (let i = op.log.length - 1; i >= 0; i--) {
    const entry = logEntry.safeParse(op.log[i]);
    if (!entry.success) continue;
    const msg = entry.data[3];
    return typeof msg === 'string' ? msg : JSON.stringify(msg);
  }
  return '';
}

/** Derived job status, as Ganeti computes it from the op statuses (there is no stored one). */
export function jobStatus(job: JobFile): string {
  let status = 'queued';
  for (const op of job.ops) {
    if (op.status === 'success' || op.status === 'queued') continue;
    if (op.status === 'waiting' || op.status === 'running') {
      status = op.status;
      continue;
    }
    return op.status; // error, canceling, canceled end the walk
  }
  return job.ops.every((o) => o.status === 'success') ? 'success' : status;
}
