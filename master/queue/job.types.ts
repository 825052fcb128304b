import type { OpStatus } from '@nefos/contracts';
import type { GanetiTimestamp } from '../common/ganeti-time';

/** `[serial, timestamp, type, message]`, one op log entry as Ganeti writes it. */
export type OpLogEntry = [number, GanetiTimestamp, string, string];

/** An opcode's input: `OP_ID` plus its parameters, exactly what goes into the job file. */
export type OpInput = { OP_ID: string } & Record<string, unknown>;

export interface QueuedOp {
  input: OpInput;
  status: OpStatus;
  result: unknown;
  log: OpLogEntry[];
  priority: number;
  start_timestamp: GanetiTimestamp | null;
  exec_timestamp: GanetiTimestamp | null;
  end_timestamp: GanetiTimestamp | null;
}

/** One job file (`<queue-dir>/job-<id>`), DESIGN.md §3. There is no top-level status. */
export interface QueuedJob {
  id: number;
  received_timestamp: GanetiTimestamp;
  start_timestamp: GanetiTimestamp | null;
  end_timestamp: GanetiTimestamp | null;
  ops: QueuedOp[];
}

export const PENDING_STATUSES: readonly OpStatus[] = ['queued', 'waiting', 'running', 'canceling'];
