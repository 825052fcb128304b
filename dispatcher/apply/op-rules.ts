import {
  FINAL_OP_STATUSES,
  OpCode,
  isUncleanShutdown,
  OperState,
  ServerTask,
  timestampToMicros,
  type OpEvent,
  type OpStatus,
} from '@nefos/contracts';

/** The fields of a server row the rules read. */
export interface ServerFacts {
  operstate: `${OperState}`;
  deleted: boolean;
  task: string | null;
  taskJobId: number | null;
  backendJobId: number | null;
  backendJobStatus: string | null;
  backendOpcode: string | null;
  backendTime: bigint | null;
  backendEventTime: bigint | null;
  launchedAt: Date | null;
}

export type CommissionOutcome = 'accept' | 'reject';

/** What one op message does to a server (DESIGN.md §5); the executor applies it in order. */
export interface OpPlan {
  /**
   * applied: changed state/resources; recorded: bookkeeping only; stale/duplicate: nothing new;
   * resubmitted: the task's job was cut short by a master crash and was submitted again.
   */
  outcome: 'applied' | 'recorded' | 'stale' | 'duplicate' | 'resubmitted';
  bookkeeping: boolean;
  state: `${OperState}` | null;
  /** Set backendTime to the event time (a success or a state change that is newer). */
  advanceTime: boolean;
  destroy: boolean;
  fault: { code: number; message: string; details: string } | null;
  clearFault: boolean;
  clearTask: boolean;
  resize: 'pending' | 'reverted' | null;
  /** Settle the quota commission that waits for this job. */
  settle: CommissionOutcome | null;
  /** Copy NICs, disks, flavor and node from the message. */
  sync: boolean;
  /** A failed create: its NICs and volumes are in error too. */
  resourcesError: boolean;
  launched: boolean;
  /**
   * The job behind the pending task died with the master (unclean shutdown) before taking
   * effect: submit the same request again instead of ending the task (see job-resubmitter.ts).
   * The rest of the plan is what happens when that is not possible.
   */
  resubmit: boolean;
}

/** Ops whose request can be submitted again after a master crash (single-op jobs the API sends). */
export const RESUBMITTABLE_OPS: ReadonlySet<string> = new Set<string>([
  OpCode.InstanceCreate,
  OpCode.InstanceStartup,
  OpCode.InstanceShutdown,
  OpCode.InstanceReboot,
  OpCode.InstanceRemove,
  OpCode.InstanceSetParams,
]);

/** A message that may lead to a resubmission (the row decides: see planOpEvent). */
export function mayResubmit(msg: Pick<OpEvent, 'status' | 'operation' | 'result'>): boolean {
  return (
    msg.status === 'error' && RESUBMITTABLE_OPS.has(msg.operation) && isUncleanShutdown(msg.result)
  );
}

/** A plan that records the message and changes nothing; each rule sets what it changes. */
const NO_CHANGE: OpPlan = {
  outcome: 'recorded',
  bookkeeping: false,
  state: null,
  advanceTime: false,
  destroy: false,
  fault: null,
  clearFault: false,
  clearTask: false,
  resize: null,
  settle: null,
  sync: false,
  resourcesError: false,
  launched: false,
  resubmit: false,
};

/**
 * The plan once the request was submitted again: keep the task (now waiting for the new job),
 * record this event, change nothing else. backendTime moves to this event, so a redelivered copy
 * of it is no longer newer and cannot fail the server afterwards.
 */
export function resubmittedPlan(plan: OpPlan): OpPlan {
  return {
    ...NO_CHANGE,
    bookkeeping: plan.bookkeeping,
    outcome: 'resubmitted',
    advanceTime: true,
    resubmit: true,
  };
}

/** Ops whose outcome a quota commission waits for. */
const COMMISSION_OPS = new Set<string>([
  OpCode.InstanceCreate,
  OpCode.InstanceRemove,
  OpCode.InstanceSetParams,
]);

export function isFinal(status: string): boolean {
  return (FINAL_OP_STATUSES as readonly string[]).includes(status);
}

/** The state a successful op leaves; null when it changes no state. */
export function successState(
  op: string,
  jobFields: Record<string, unknown>,
): `${OperState}` | null {
  switch (op) {
    case OpCode.InstanceCreate:
      return jobFields.start === false ? OperState.Stopped : OperState.Started;
    case OpCode.InstanceStartup:
    case OpCode.InstanceReboot:
      return OperState.Started;
    case OpCode.InstanceShutdown:
      return OperState.Stopped;
    case OpCode.InstanceRemove:
      return OperState.Destroyed;
    default:
      return null;
  }
}

/** Ganeti's failure result `["OpPrereqError", ["message", "kind"]]` as text and kind. */
export function opError(
  result: unknown,
  logmsg: string,
): { errorClass: string | null; message: string; kind: string | null } {
  if (Array.isArray(result) && result[0] === 'HooksAbort' && Array.isArray(result[1])) {
    // `["HooksAbort", [[[node, script, output], ...]]]`: a pre hook refused the op.
    const failures = (Array.isArray(result[1][0]) ? result[1][0] : []) as unknown[];
    const text = failures
      .filter((f): f is unknown[] => Array.isArray(f))
      .map((f) => `${String(f[1])}: ${String(f[2] ?? '').trim() || '(no output)'}`)
      .join('; ');
    return {
      errorClass: 'HooksAbort',
      message: text ? `A pre hook refused the operation (${text})` : logmsg || 'HooksAbort',
      kind: null,
    };
  }
  if (Array.isArray(result) && typeof result[0] === 'string' && /Error$/.test(result[0])) {
    const args = Array.isArray(result[1]) ? result[1] : [result[1]];
    const message = args.filter((a) => typeof a === 'string' && a.length > 0)[0] as
      string | undefined;
    const kind = typeof args[1] === 'string' ? args[1] : null;
    return { errorClass: result[0], message: message ?? (logmsg || result[0]), kind };
  }
  if (typeof result === 'string' && result)
    return { errorClass: null, message: result, kind: null };
  return { errorClass: null, message: logmsg || 'the backend job failed', kind: null };
}

/** A remove that failed because the instance is not there: for Nefos, it is gone. */
export function isUnknownInstance(result: unknown, logmsg: string): boolean {
  const e = opError(result, logmsg);
  return (
    e.kind === 'unknown_entity' ||
    /instance .*(not known|does not exist|unknown)|unknown instance/i.test(e.message)
  );
}

export function planOpEvent(server: ServerFacts, msg: OpEvent): OpPlan {
  const t = timestampToMicros(msg.eventTime);
  const plan: OpPlan = {
    ...NO_CHANGE,
    bookkeeping: server.backendEventTime === null || t >= server.backendEventTime,
  };
  const duplicate =
    server.backendEventTime === t &&
    server.backendJobId === msg.jobId &&
    server.backendJobStatus === msg.status &&
    server.backendOpcode === msg.operation;
  const newer = server.backendTime === null || t > server.backendTime;
  const status: OpStatus = msg.status;
  const op = msg.operation;

  if (status === 'success' && newer) {
    plan.advanceTime = true;
    plan.sync = true;
    const state = successState(op, msg.jobFields);
    if (state === OperState.Destroyed) plan.destroy = true;
    else if (state) plan.state = state;
  } else if ((status === 'error' || status === 'canceled') && newer) {
    if (op === OpCode.InstanceCreate) {
      const e = opError(msg.result, msg.logmsg);
      plan.advanceTime = true;
      plan.state = OperState.Error;
      plan.resourcesError = true;
      plan.fault = {
        code: 500,
        message: status === 'canceled' ? 'The build job was canceled' : e.message,
        details: [
          `${e.errorClass ?? 'error'}${e.kind ? ` (${e.kind})` : ''}: ${e.message}`,
          msg.logmsg && msg.logmsg !== e.message ? `last log line: ${msg.logmsg}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      };
    } else if (
      op === OpCode.InstanceRemove &&
      status === 'error' &&
      (isUnknownInstance(msg.result, msg.logmsg) || server.operstate === OperState.Error)
    ) {
      // Nothing left on the backend (a failed build, or removed behind our back): it is gone.
      plan.advanceTime = true;
      plan.destroy = true;
    }
  }
  // Launch time is the first start, whatever order the messages arrive in.
  if (status === 'success' && successState(op, msg.jobFields) === OperState.Started) {
    const at = new Date(Number(t / 1000n));
    plan.launched = server.launchedAt === null || at < server.launchedAt;
  }
  if (plan.state && plan.state !== OperState.Error && server.operstate === OperState.Error) {
    plan.clearFault = true;
  }

  const final = isFinal(status);
  if (final && server.taskJobId === msg.jobId && server.task !== null) {
    plan.clearTask = true;
    plan.resubmit = mayResubmit(msg) && !duplicate;
    if (status === 'success' && op === OpCode.InstanceSetParams) {
      if (server.task === ServerTask.ResizePrep || server.task === ServerTask.ResizeFinish) {
        plan.resize = 'pending';
      } else if (server.task === ServerTask.ResizeReverting) {
        plan.resize = 'reverted';
      }
    }
  }
  if (final && COMMISSION_OPS.has(op)) {
    plan.settle = status === 'success' || plan.destroy ? 'accept' : 'reject';
  }

  const changes =
    plan.state !== null ||
    plan.destroy ||
    plan.clearTask ||
    plan.advanceTime ||
    plan.settle ||
    plan.launched;
  if (duplicate && !plan.clearTask) plan.outcome = 'duplicate';
  else if (changes) plan.outcome = 'applied';
  else if (!plan.bookkeeping) plan.outcome = 'stale';
  return plan;
}
