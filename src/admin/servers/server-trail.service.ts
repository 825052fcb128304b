import { Injectable } from '@nestjs/common';
import { RapiClientFactory, type RapiJob } from '@nefos/contracts';
import type { ServerTrail } from '@nefos/database';
import { isoFromGaneti } from '../common/ganeti-time';
import { BackendAdminRepository } from '../backends/backend-admin.repository';
import { ServerTrailRepository } from './server-trail.repository';

export interface TrailEntry {
  id: string;
  at: string;
  /** api, rapi, event, state, reconcile, console */
  source: string;
  requestId: string | null;
  jobId: number | null;
  opcode: string | null;
  status: string | null;
  message: string;
  data: unknown;
}

/** One RAPI job of the trail, as the master tells it now (with its op log). */
export interface TrailJob {
  jobId: number;
  status: string | null;
  summary: string[] | null;
  receivedAt: string | null;
  endedAt: string | null;
  oplog: Array<{ serial: number; at: string; type: string; message: string }>;
  /** Why the master could not be asked (it stays in the trail from the database). */
  error?: string;
}

/** The chain of one request: API request → RAPI jobs → events → state changes. */
export interface TrailRequest {
  requestId: string | null;
  firstAt: string;
  lastAt: string;
  jobIds: number[];
  /** Sources in the order they appear, e.g. api, rapi, event, state. */
  sources: string[];
  entries: TrailEntry[];
}

export interface ServerTrailView {
  entries: TrailEntry[];
  requests: TrailRequest[];
  jobs: TrailJob[];
  truncated: boolean;
}

const MAX_ROWS = 2000;
const MAX_LIVE_JOBS = 20;

/**
 * The trail of one server as operators read it: every line the API, the RAPI client, the
 * dispatcher, reconciliation and the console proxy wrote, grouped by request id, with the jobs'
 * op logs read live from the backend. Lines of events carry the request id too (eventd reads it
 * from the job's reason trail), so a request's group runs from the API call to the state change.
 */
@Injectable()
export class ServerTrailService {
  constructor(
    private readonly trail: ServerTrailRepository,
    private readonly backends: BackendAdminRepository,
    private readonly rapi: RapiClientFactory,
  ) {}

  async forServer(
    server: { id: string; backend: { name: string } | null },
    opts: { withJobs: boolean; limit?: number },
  ): Promise<ServerTrailView> {
    const { rows, truncated } = await this.trail.forServer(server.id, opts.limit ?? MAX_ROWS);
    const entries = rows.map(toEntry);
    const requests = groupByRequest(entries);
    const jobs =
      opts.withJobs && server.backend ? await this.liveJobs(server.backend.name, entries) : [];
    return { entries, requests, jobs, truncated };
  }

  private async liveJobs(backendName: string, entries: TrailEntry[]): Promise<TrailJob[]> {
    const ids = [...new Set(entries.map((e) => e.jobId).filter((j): j is number => j !== null))]
      .sort((a, b) => b - a)
      .slice(0, MAX_LIVE_JOBS);
    if (ids.length === 0) return [];
    const backend = await this.backends.findByName(backendName);
    if (!backend || backend.offline) return ids.map((jobId) => emptyJob(jobId, 'backend offline'));
    const client = this.rapi.forBackend(backend);
    const jobs = await Promise.all(
      ids.map(async (jobId): Promise<TrailJob> => {
        try {
          return jobView(jobId, await client.getJob(jobId));
        } catch (err) {
          return emptyJob(jobId, (err as Error).message);
        }
      }),
    );
    return jobs.sort((a, b) => a.jobId - b.jobId);
  }
}

function toEntry(r: ServerTrail): TrailEntry {
  return {
    id: r.id.toString(),
    at: r.at.toISOString(),
    source: r.source,
    requestId: r.requestId,
    jobId: r.jobId,
    opcode: r.opcode,
    status: r.status,
    message: r.message,
    data: r.data ?? null,
  };
}

/**
 * Groups lines by request id; a line without one (an event of a job whose request id was not
 * carried, a reconciliation) joins the request that submitted the same job, else stands alone.
 */
export function groupByRequest(entries: TrailEntry[]): TrailRequest[] {
  const jobOwner = new Map<number, string>();
  for (const e of entries)
    if (e.requestId && e.jobId !== null && !jobOwner.has(e.jobId))
      jobOwner.set(e.jobId, e.requestId);
  const groups = new Map<string, TrailRequest>();
  const order: TrailRequest[] = [];
  for (const e of entries) {
    const rid = e.requestId ?? (e.jobId !== null ? jobOwner.get(e.jobId) : undefined) ?? null;
    const key = rid ?? `line-${e.id}`;
    let g = groups.get(key);
    if (!g) {
      g = { requestId: rid, firstAt: e.at, lastAt: e.at, jobIds: [], sources: [], entries: [] };
      groups.set(key, g);
      order.push(g);
    }
    g.entries.push(e);
    g.lastAt = e.at;
    if (e.jobId !== null && !g.jobIds.includes(e.jobId)) g.jobIds.push(e.jobId);
    if (!g.sources.includes(e.source)) g.sources.push(e.source);
  }
  return order;
}

function jobView(jobId: number, job: RapiJob): TrailJob {
  if (job.id === null)
    return emptyJob(jobId, 'the backend no longer knows this job (archived or purged)');
  const oplog = (job.oplog ?? []).flat().map(([serial, at, type, message]) => ({
    serial,
    at: isoFromGaneti(at) ?? '',
    type,
    message: typeof message === 'string' ? message : JSON.stringify(message),
  }));
  return {
    jobId,
    status: job.status,
    summary: job.summary,
    receivedAt: isoFromGaneti(job.received_ts),
    endedAt: isoFromGaneti(job.end_ts),
    oplog,
  };
}

function emptyJob(jobId: number, error: string): TrailJob {
  return { jobId, status: null, summary: null, receivedAt: null, endedAt: null, oplog: [], error };
}
