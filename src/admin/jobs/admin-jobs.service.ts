import { Injectable } from '@nestjs/common';
import { findRequestId, RapiClientFactory, type RapiJob } from '@nefos/contracts';
import { notFound } from '../../common/errors/domain.error';
import { isoFromGaneti } from '../common/ganeti-time';
import { BackendAdminService, rapiFault } from '../backends/backend-admin.service';
import { FleetRepository } from '../inventory/fleet.repository';

export interface AdminJob {
  backend: string;
  id: number;
  status: string | null;
  summary: string[];
  opstatus: string[];
  /** Failure results of the ops (Ganeti's `["OpPrereqError", [msg, kind]]`), null entries for others. */
  opresult: unknown[];
  receivedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** The API request id from the job's reason trail, when one was given. */
  requestId: string | null;
  oplog: Array<{ op: number; serial: number; at: string | null; type: string; message: string }>;
}

/** Recent jobs of each backend, as its RAPI lists them, with their op logs. */
@Injectable()
export class AdminJobsService {
  constructor(
    private readonly fleet: FleetRepository,
    private readonly backends: BackendAdminService,
    private readonly rapi: RapiClientFactory,
  ) {}

  async recent(opts: {
    backend?: string;
    limit: number;
    status?: string;
  }): Promise<{ jobs: AdminJob[]; errors: Array<{ backend: string; error: string }> }> {
    const all = opts.backend
      ? [await this.backends.get(opts.backend)]
      : await this.fleet.backends();
    const errors: Array<{ backend: string; error: string }> = [];
    const lists = await Promise.all(
      all
        .filter((b) => !b.offline)
        .map(async (b) => {
          try {
            const jobs = await this.rapi.forBackend(b).listJobs();
            return jobs.filter((j) => j.id !== null).map((j) => view(b.name, j));
          } catch (err) {
            errors.push({ backend: b.name, error: (err as Error).message });
            return [];
          }
        }),
    );
    const jobs = lists
      .flat()
      .filter((j) => !opts.status || j.status === opts.status)
      .sort((a, b) => (b.receivedAt ?? '').localeCompare(a.receivedAt ?? '') || b.id - a.id)
      .slice(0, opts.limit);
    return { jobs, errors };
  }

  async job(backendName: string, id: number): Promise<AdminJob> {
    const b = await this.backends.get(backendName);
    let job: RapiJob;
    try {
      job = await this.rapi.forBackend(b).getJob(id);
    } catch (err) {
      throw rapiFault(b.name, err);
    }
    if (job.id === null) throw notFound(`Job ${id} could not be found on backend ${b.name}.`);
    return view(b.name, job);
  }
}

/** The request id in the ops' reason trails (`[[source, reason, ts], ...]`). */
function requestIdOf(job: RapiJob): string | null {
  for (const op of job.ops ?? []) {
    const id = findRequestId((op as { reason?: unknown }).reason);
    if (id) return id;
  }
  return null;
}

function view(backend: string, j: RapiJob): AdminJob {
  return {
    backend,
    id: j.id as number,
    status: j.status,
    summary: j.summary ?? [],
    opstatus: j.opstatus ?? [],
    opresult: (j.opresult ?? []).map((r, i) => ((j.opstatus ?? [])[i] === 'error' ? r : null)),
    receivedAt: isoFromGaneti(j.received_ts),
    startedAt: isoFromGaneti(j.start_ts),
    endedAt: isoFromGaneti(j.end_ts),
    requestId: requestIdOf(j),
    oplog: (j.oplog ?? []).flatMap((entries, op) =>
      (entries ?? []).map(([serial, at, type, message]) => ({
        op,
        serial,
        at: isoFromGaneti(at),
        type,
        message: typeof message === 'string' ? message : JSON.stringify(message),
      })),
    ),
  };
}
