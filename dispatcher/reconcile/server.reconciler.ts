import { Inject, Injectable } from '@nestjs/common';
import {
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  OpCode,
  OperState,
  RapiClientFactory,
  serverIdFromInstanceName,
  type GanetiTimestamp,
  type Logger,
  type NefosConfig,
  type OpEvent,
  type RapiClient,
  type RapiInstance,
  type RapiJob,
} from '@nefos/contracts';
import {
  BackendRepository,
  ServerEventRepository,
  type Backend,
  type Server,
} from '@nefos/database';
import { ServerEventService } from '../apply/server-event.service';
import { instanceFacts, jobOpEvents, ACTIVE_JOB_STATUSES } from './backend-facts';

export type FindingKind =
  'stale' | 'orphan' | 'unsynced' | 'pending-task' | 'lost-build' | 'unreachable';

export interface ReconcileOptions {
  fixStale?: boolean;
  fixOrphans?: boolean;
  fixUnsynced?: boolean;
  fixPendingTasks?: boolean;
}

export interface Finding {
  backend: string;
  kind: FindingKind;
  instance: string;
  serverId: string | null;
  detail: string;
  /** Whether this run repaired it (only with the matching --fix flag). */
  fixed: boolean;
  error?: string;
}

function nowTimestamp(ms = Date.now()): GanetiTimestamp {
  const s = Math.floor(ms / 1000);
  return [s, Math.floor((ms - s * 1000) * 1000)];
}

/**
 * Compares the database with what each backend reports (`GET /2/instances?bulk=1`,
 * `GET /2/jobs?bulk=1`) and repairs drift with simulated events through the same code that
 * applies real ones (DESIGN.md §5): stale servers get a REMOVE, orphan instances are removed from
 * the backend, unsynced state/flavor/NICs get the backend's facts, tasks whose job ended are
 * cleared. Simulated events carry the snapshot time, so a real event newer than the snapshot wins.
 */
@Injectable()
export class ServerReconciler {
  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    private readonly backends: BackendRepository,
    private readonly servers: ServerEventRepository,
    private readonly apply: ServerEventService,
    private readonly rapi: RapiClientFactory,
  ) {}

  async reconcileAll(opts: ReconcileOptions, onlyBackend?: string): Promise<Finding[]> {
    const all = await this.backends.list();
    const chosen = onlyBackend ? all.filter((b) => b.name === onlyBackend) : all;
    if (onlyBackend && chosen.length === 0) throw new Error(`no backend named ${onlyBackend}`);
    if (onlyBackend && chosen[0].offline) {
      throw new Error(`backend ${onlyBackend} is offline: it is not contacted`);
    }
    const findings: Finding[] = [];
    for (const b of chosen) {
      if (b.offline) continue; // an offline backend is not contacted at all
      try {
        findings.push(...(await this.reconcileBackend(b, opts)));
      } catch (err) {
        // One backend that does not answer must not keep the others from being reconciled.
        const why = (err as Error).message;
        this.log.warn({ backend: b.name, err: why }, 'reconciliation could not read the backend');
        findings.push({
          backend: b.name,
          kind: 'unreachable',
          instance: '',
          serverId: null,
          detail: `backend ${b.name} could not be read`,
          fixed: false,
          error: why,
        });
      }
    }
    return findings;
  }

  async reconcileBackend(backend: Backend, opts: ReconcileOptions): Promise<Finding[]> {
    const rapi = this.rapi.forBackend(backend);
    const snapshotMs = Date.now();
    const instances = await rapi.listInstances();
    const jobs = await rapi.listJobs();
    const busy = busyInstances(jobs);
    const byName = new Map(instances.map((i) => [i.name, i]));
    const servers = await this.servers.liveServersOfBackend(backend.id);
    const findings: Finding[] = [];
    const note = (f: Omit<Finding, 'backend' | 'fixed'>, fixed = false, error?: string) =>
      findings.push({ backend: backend.name, ...f, fixed, ...(error ? { error } : {}) });

    for (const server of servers) {
      if (busy.has(server.instanceName)) continue; // a job is at work on it right now
      const inst = byName.get(server.instanceName);
      const base = { instance: server.instanceName, serverId: server.id };
      if (server.task) {
        const f = await this.pendingTask(rapi, backend, server, jobs, opts.fixPendingTasks);
        if (f) note({ ...base, kind: 'pending-task', detail: f.detail }, f.fixed, f.error);
        if (f?.fixed) continue; // its own event was just applied; look again next run
      }
      if (!inst) {
        await this.missing(backend, server, snapshotMs, opts, note);
        continue;
      }
      const drift = await this.drift(server, inst);
      if (drift.length === 0) continue;
      const detail = drift.join('; ');
      if (!opts.fixUnsynced) {
        note({ ...base, kind: 'unsynced', detail });
        continue;
      }
      const facts = instanceFacts(inst);
      const op =
        server.operstate === OperState.Build && facts.state
          ? OpCode.InstanceCreate
          : facts.state === OperState.Started && server.operstate !== OperState.Started
            ? OpCode.InstanceStartup
            : facts.state === OperState.Stopped && server.operstate !== OperState.Stopped
              ? OpCode.InstanceShutdown
              : OpCode.InstanceSetParams;
      const r = await this.simulate(backend, server, op, 'success', snapshotMs, {
        nics: facts.nics,
        disks: facts.disks,
        beparams: facts.beparams,
        pnode: facts.pnode,
        jobFields: op === OpCode.InstanceCreate ? { start: facts.state === OperState.Started } : {},
        logmsg: `reconciliation: ${detail}`,
      });
      note({ ...base, kind: 'unsynced', detail }, r.ok, r.error);
    }

    const known = new Map(
      (
        await this.servers.serversByIds(
          instances
            .map((i) => serverIdFromInstanceName(this.config.compute.instancePrefix, i.name))
            .filter((id): id is string => id !== null),
        )
      ).map((s) => [s.id, s]),
    );
    for (const inst of instances) {
      const id = serverIdFromInstanceName(this.config.compute.instancePrefix, inst.name);
      if (id === null || busy.has(inst.name)) continue; // foreign instance, or being worked on
      const row = known.get(id);
      if (row && !row.deleted) continue;
      const detail = row ? 'the server was deleted in Nefos' : 'no such server in Nefos';
      if (!opts.fixOrphans) {
        note({ instance: inst.name, serverId: id, kind: 'orphan', detail });
        continue;
      }
      try {
        const job = await rapi.deleteInstance(inst.name, { reason: 'nefos reconcile: orphan' });
        note(
          {
            instance: inst.name,
            serverId: id,
            kind: 'orphan',
            detail: `${detail}; removal job ${job}`,
          },
          true,
        );
      } catch (err) {
        note(
          { instance: inst.name, serverId: id, kind: 'orphan', detail },
          false,
          (err as Error).message,
        );
      }
    }
    return findings;
  }

  /** A live server without an instance: stale (gone behind our back) or a build that was lost. */
  private async missing(
    backend: Backend,
    server: Server,
    snapshotMs: number,
    opts: ReconcileOptions,
    note: (f: Omit<Finding, 'backend' | 'fixed'>, fixed?: boolean, error?: string) => void,
  ): Promise<void> {
    const base = { instance: server.instanceName, serverId: server.id };
    if (server.operstate === OperState.Error) return; // a failed build: the user deletes it
    if (server.operstate === OperState.Build) {
      const age = (snapshotMs - server.createdAt.getTime()) / 1000;
      if (age < this.config.compute.stuckAfterSeconds) return; // the create may not be queued yet
      const detail = `building for ${Math.round(age)} s with no instance and no job on the backend`;
      if (!opts.fixStale) return note({ ...base, kind: 'lost-build', detail });
      const r = await this.simulate(backend, server, OpCode.InstanceCreate, 'error', snapshotMs, {
        result: ['OpExecError', ['The backend has no record of this server; the build was lost']],
        logmsg: `reconciliation: ${detail}`,
      });
      return note({ ...base, kind: 'lost-build', detail }, r.ok, r.error);
    }
    const detail = `${server.operstate} in Nefos, no instance on ${backend.name}`;
    if (!opts.fixStale) return note({ ...base, kind: 'stale', detail });
    const r = await this.simulate(backend, server, OpCode.InstanceRemove, 'success', snapshotMs, {
      logmsg: `reconciliation: ${detail}`,
    });
    note({ ...base, kind: 'stale', detail }, r.ok, r.error);
  }

  /** What differs between the row and the instance: state, flavor, NICs. */
  private async drift(server: Server, inst: RapiInstance): Promise<string[]> {
    const facts = instanceFacts(inst);
    const out: string[] = [];
    if (facts.state && facts.state !== server.operstate) {
      out.push(`state ${server.operstate} in Nefos, ${inst.status} on the backend`);
    }
    const flavor = await this.servers.flavorById(server.flavorId);
    const vcpus = Number(facts.beparams.vcpus);
    const ram = Number(facts.beparams.maxmem ?? facts.beparams.memory);
    if (flavor && Number.isFinite(vcpus) && Number.isFinite(ram)) {
      if (flavor.vcpus !== vcpus || flavor.ramMb !== ram) {
        out.push(
          `flavor ${flavor.name} (${flavor.vcpus} vCPU, ${flavor.ramMb} MiB) vs ${vcpus} vCPU, ${ram} MiB on the backend`,
        );
      }
    }
    // NICs: the same MACs, and each address the backend knows held by that NIC's port.
    const ports = await this.servers.portAddresses(server.id);
    const dbMacs = [...ports.keys()].sort();
    const beMacs = facts.nics.map((n) => (n.mac ?? '').toLowerCase()).sort();
    const ipsDiffer = facts.nics.some(
      (n) => n.ip && !(ports.get((n.mac ?? '').toLowerCase()) ?? []).includes(n.ip),
    );
    if (dbMacs.join(' ') !== beMacs.join(' ') || ipsDiffer) {
      const show = (list: string[]) => `[${list.join(' ')}]`;
      out.push(
        `NICs ${show([...ports].map(([m, a]) => `${m}=${a.join(',')}`))} vs ` +
          `${show(facts.nics.map((n) => `${n.mac}=${n.ip ?? ''}`))} on the backend`,
      );
    }
    return out;
  }

  private async pendingTask(
    rapi: RapiClient,
    backend: Backend,
    server: Server,
    jobs: RapiJob[],
    fix = false,
  ): Promise<{ detail: string; fixed: boolean; error?: string } | null> {
    if (server.taskJobId === null) {
      const age = (Date.now() - server.updatedAt.getTime()) / 1000;
      if (age < this.config.compute.stuckAfterSeconds) return null;
      const detail = `task ${server.task} with no job for ${Math.round(age)} s`;
      if (!fix) return { detail, fixed: false };
      await this.clearTask(server, detail);
      return { detail, fixed: true };
    }
    const listed = jobs.find((j) => j.id === server.taskJobId);
    if (listed?.status && ACTIVE_JOB_STATUSES.includes(listed.status)) return null;
    let job: RapiJob;
    try {
      job = await rapi.getJob(server.taskJobId);
    } catch (err) {
      return { detail: `job ${server.taskJobId}: ${(err as Error).message}`, fixed: false };
    }
    if (job.status && ACTIVE_JOB_STATUSES.includes(job.status)) return null;
    const detail = job.status
      ? `task ${server.task} waits for job ${server.taskJobId}, which ended: ${job.status}`
      : `task ${server.task} waits for job ${server.taskJobId}, unknown to the backend`;
    if (!fix) return { detail, fixed: false };
    if (!job.status) {
      await this.clearTask(server, detail);
      return { detail, fixed: true };
    }
    try {
      for (const ev of jobOpEvents(backend.name, job)) {
        if (ev.instance === server.instanceName) await this.apply.applyOp(ev, 'reconcile');
      }
      return { detail, fixed: true };
    } catch (err) {
      return { detail, fixed: false, error: (err as Error).message };
    }
  }

  private async clearTask(server: Server, why: string): Promise<void> {
    await this.servers.transaction(async (tx) => {
      const row = await this.servers.lockByInstanceName(tx, server.instanceName);
      if (!row || row.task !== server.task || row.taskJobId !== server.taskJobId) return;
      await this.servers.update(tx, row.id, { task: null, taskJobId: null });
      await this.servers.trail(tx, {
        serverId: row.id,
        source: 'reconcile',
        jobId: server.taskJobId,
        message: `task ${server.task} cleared: ${why}`,
      });
    });
  }

  private async simulate(
    backend: Backend,
    server: Server,
    operation: string,
    status: 'success' | 'error',
    snapshotMs: number,
    extra: Partial<OpEvent>,
  ): Promise<{ ok: boolean; error?: string }> {
    const msg: OpEvent = {
      type: 'op',
      cluster: backend.name,
      jobId: 0,
      opIndex: 0,
      operation,
      status,
      eventTime: nowTimestamp(snapshotMs),
      logmsg: '',
      instance: server.instanceName,
      jobFields: {},
      ...extra,
    };
    try {
      const outcome = await this.apply.applyOp(msg, 'reconcile');
      this.log.info(
        { server: server.id, operation, status, outcome },
        'reconciliation event applied',
      );
      return { ok: outcome === 'applied' };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
}

/** Instances some unfinished job names: reconciliation leaves them alone this time. */
function busyInstances(jobs: RapiJob[]): Set<string> {
  const busy = new Set<string>();
  for (const j of jobs) {
    if (!j.status || !ACTIVE_JOB_STATUSES.includes(j.status)) continue;
    for (const op of j.ops ?? []) {
      const name = (op as Record<string, unknown>).instance_name;
      if (typeof name === 'string') busy.add(name);
    }
  }
  return busy;
}
