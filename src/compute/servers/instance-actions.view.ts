import { isoMicros } from '../common/time';

/** The trail columns the instance actions are built from. */
export interface TrailRow {
  id: bigint;
  at: Date;
  source: string;
  requestId: string | null;
  jobId: number | null;
  opcode: string | null;
  status: string | null;
  message: string;
  data: unknown;
}

/** Nova's instance action event (2.1, plus what 2.51 shows non-admins). */
export interface InstanceActionEvent {
  event: string;
  start_time: string | null;
  finish_time: string | null;
  result: 'Success' | 'Error' | null;
  traceback?: string | null;
}

export interface InstanceAction {
  action: string;
  instance_uuid: string;
  message: string | null;
  project_id: string;
  request_id: string;
  start_time: string | null;
  user_id: string;
  events: InstanceActionEvent[];
}

/**
 * The API's trail line that starts an action: `<action> requested by user <id>` (server
 * actions, create, delete) or `confirmResize by user <id>: ...`. `update by user` is a rename,
 * which Nova records no action for; `... refused: ...` lines are requests that were not accepted.
 */
const REQUESTED = /^([A-Za-z]+) (?:requested )?by user (\S+?)(?::|$)/;
const REFUSED = /^[A-Za-z]+ refused: /;
const CREATE_FAILED = /^create failed: (.*)$/s;
const NOT_ACTIONS = new Set(['update']);
const FINAL = new Set(['success', 'error', 'canceled']);

interface EventData {
  outcome?: string;
  notes?: string[];
  error?: { errorClass?: string | null; kind?: string | null; message?: string };
}

function eventData(row: TrailRow): EventData {
  return row.data && typeof row.data === 'object' ? (row.data as EventData) : {};
}

/** Why a job failed, in the backend's words (older rows keep it in the message only). */
function failureReason(row: TrailRow): string {
  const e = eventData(row).error;
  if (e?.message) return e.message;
  if (row.status === 'canceled') return 'the backend job was canceled';
  const prefix = `${row.opcode} ${row.status}: `;
  return row.message.startsWith(prefix) ? row.message.slice(prefix.length) : row.message;
}

/** What an operator needs beyond the reason: error class and kind, the job, our reaction. */
function traceback(row: TrailRow): string {
  const d = eventData(row);
  const e = d.error;
  const head = e
    ? `${e.errorClass ?? 'error'}${e.kind ? ` (${e.kind})` : ''}: ${e.message ?? ''}`
    : row.message;
  return [`job ${row.jobId}: ${head}`, ...(d.notes ?? [])].join('\n');
}

/**
 * One user request's history as Nova's `os-instance-actions` shows it: the action and who asked,
 * one event per backend job it caused (a job cut short by a master crash and submitted again
 * shows as two), and, when the last job failed, why in `message` ("Error: <reason>": Nova says
 * only "Error" and keeps the reason in an admin-only traceback; here the owner sees it).
 */
function buildAction(
  serverId: string,
  projectId: string,
  requestId: string,
  rows: TrailRow[],
  isAdmin: boolean,
): InstanceAction | null {
  const first = rows.find((r) => r.source === 'api' && REQUESTED.test(r.message));
  if (!first || rows.some((r) => r.source === 'api' && REFUSED.test(r.message))) return null;
  const [, action, userId] = REQUESTED.exec(first.message)!;
  if (NOT_ACTIONS.has(action)) return null;

  const events: InstanceActionEvent[] = [];
  let failure: string | null = null;
  const jobs = rows.filter((r) => r.source === 'rapi' && r.jobId !== null);
  for (const submitted of jobs) {
    const end = rows.find(
      (r) =>
        (r.source === 'event' || r.source === 'reconcile') &&
        r.jobId === submitted.jobId &&
        FINAL.has(r.status ?? '') &&
        eventData(r).outcome !== 'duplicate',
    );
    const ok = end?.status === 'success';
    const event: InstanceActionEvent = {
      event: submitted.opcode ?? 'backend_job',
      start_time: isoMicros(submitted.at),
      finish_time: end ? isoMicros(end.at) : null,
      result: end ? (ok ? 'Success' : 'Error') : null,
    };
    if (isAdmin) event.traceback = end && !ok ? traceback(end) : null;
    events.push(event);
    failure = end && !ok ? failureReason(end) : null;
  }
  const createFailed = rows.find((r) => r.source === 'api' && CREATE_FAILED.test(r.message));
  if (createFailed) failure = CREATE_FAILED.exec(createFailed.message)![1];

  return {
    action,
    instance_uuid: serverId,
    message: failure === null ? null : `Error: ${failure}`,
    project_id: projectId,
    request_id: requestId,
    start_time: isoMicros(first.at),
    user_id: userId,
    events,
  };
}

/** Every action of a server, most recent first, from its trail rows (any order). */
export function instanceActions(
  server: { id: string; projectId: string },
  rows: TrailRow[],
  isAdmin: boolean,
): InstanceAction[] {
  const byRequest = new Map<string, TrailRow[]>();
  for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (!r.requestId) continue;
    const list = byRequest.get(r.requestId) ?? [];
    list.push(r);
    byRequest.set(r.requestId, list);
  }
  const actions: Array<{ order: bigint; action: InstanceAction }> = [];
  for (const [requestId, list] of byRequest) {
    const action = buildAction(server.id, server.projectId, requestId, list, isAdmin);
    if (action) actions.push({ order: list[0].id, action });
  }
  return actions
    .sort((a, b) => (a.order > b.order ? -1 : a.order < b.order ? 1 : 0))
    .map((a) => a.action);
}
