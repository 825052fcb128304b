import { Inject, Injectable } from '@nestjs/common';
import {
  NEFOS_LOGGER,
  RapiClientFactory,
  RapiError,
  type Logger,
  type RapiClient,
  type RapiJobWaitResult,
} from '@nefos/contracts';
import type { Backend, BackendNode } from '@nefos/database';
import { badRequest, conflict, DomainError, notFound } from '../../common/errors/domain.error';
import { CapacityService, type RefreshResult } from '../inventory/capacity.service';
import { BackendAdminRepository } from './backend-admin.repository';

export interface BackendInput {
  name: string;
  rapiUrl: string;
  rapiUser: string;
  rapiPassword: string;
  hypervisor?: string;
  drained?: boolean;
  offline?: boolean;
  /** Any project may get servers here (default), or only the pinned `projects`. */
  public?: boolean;
  /** Projects (ids or unique names) the backend is pinned to. */
  projects?: string[];
}

export type BackendChanges = Partial<Omit<BackendInput, 'name'>> & {
  /** Projects to pin besides those already pinned. */
  pin?: string[];
  /** Projects to unpin. */
  unpin?: string[];
};

export interface NodeChangeResult {
  backend: string;
  node: string;
  jobId: number;
  /** The job's final status, or its status when the wait ran out. */
  jobStatus: string;
  /** The node as read back after the job (null when the job has not finished). */
  current: BackendNode | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/;
// How long a node change may take before the caller gets the job id to follow instead.
const NODE_JOB_WAIT_MS = 20000;

/**
 * Backends and their nodes as operators change them: add, modify, remove a backend, drain or
 * offline a node (through RAPI, as `gnt-node modify` does). The CLI and the dashboard share it.
 */
@Injectable()
export class BackendAdminService {
  constructor(
    private readonly repo: BackendAdminRepository,
    private readonly rapi: RapiClientFactory,
    private readonly capacity: CapacityService,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
  ) {}

  async get(name: string): Promise<Backend> {
    const b = await this.repo.findByName(name);
    if (!b) throw notFound(`Backend ${name} could not be found.`);
    return b;
  }

  /**
   * Adds a backend after checking that its RAPI answers with these credentials (unless
   * `check` is false, e.g. to register a cluster that is still being set up: add it offline).
   */
  async add(
    input: BackendInput,
    check = true,
  ): Promise<{ backend: Backend; refresh: RefreshResult | null }> {
    validateName(input.name);
    validateUrl(input.rapiUrl);
    if (await this.repo.findByName(input.name))
      throw conflict(`Backend ${input.name} already exists.`);
    const projects = await this.projectIds(input.projects ?? []);
    if (check) await this.verify(input);
    const backend = await this.repo.create({
      name: input.name,
      rapiUrl: input.rapiUrl.replace(/\/+$/, ''),
      rapiUser: input.rapiUser,
      rapiPassword: input.rapiPassword,
      hypervisor: input.hypervisor ?? 'kvm',
      drained: input.drained ?? false,
      offline: input.offline ?? false,
      // Pinning projects makes a backend theirs unless it is said to stay public.
      public: input.public ?? projects.length === 0,
      projects: { create: projects.map((projectId) => ({ projectId })) },
    });
    this.log.info(
      { backend: backend.name, url: backend.rapiUrl, public: backend.public, projects },
      'backend added',
    );
    const refresh = backend.offline ? null : await this.capacity.refresh(backend);
    return { backend: (await this.repo.findByName(backend.name)) ?? backend, refresh };
  }

  /** Changes address, credentials, hypervisor or the drained/offline flags. */
  async modify(name: string, changes: BackendChanges, check = true): Promise<Backend> {
    const current = await this.get(name);
    if (changes.rapiUrl !== undefined) validateUrl(changes.rapiUrl);
    const connection = {
      name,
      rapiUrl: changes.rapiUrl ?? current.rapiUrl,
      rapiUser: changes.rapiUser ?? current.rapiUser,
      rapiPassword: changes.rapiPassword ?? current.rapiPassword,
    };
    const reconnect =
      changes.rapiUrl !== undefined ||
      changes.rapiUser !== undefined ||
      changes.rapiPassword !== undefined;
    const goingOnline = changes.offline === false && current.offline;
    if (check && (reconnect || goingOnline) && !(changes.offline ?? current.offline)) {
      await this.verify(connection);
    }
    const set = changes.projects ? await this.projectIds(changes.projects) : undefined;
    const add = changes.pin ? await this.projectIds(changes.pin) : undefined;
    const remove = changes.unpin ? await this.projectIds(changes.unpin) : undefined;
    const updated = await this.repo.updateWithPins(
      current.id,
      {
        ...(changes.rapiUrl !== undefined ? { rapiUrl: changes.rapiUrl.replace(/\/+$/, '') } : {}),
        ...(changes.rapiUser !== undefined ? { rapiUser: changes.rapiUser } : {}),
        ...(changes.rapiPassword !== undefined ? { rapiPassword: changes.rapiPassword } : {}),
        ...(changes.hypervisor !== undefined ? { hypervisor: changes.hypervisor } : {}),
        ...(changes.drained !== undefined ? { drained: changes.drained } : {}),
        ...(changes.offline !== undefined ? { offline: changes.offline } : {}),
        ...(changes.public !== undefined ? { public: changes.public } : {}),
      },
      { set, add, remove },
    );
    this.log.info(
      {
        backend: name,
        drained: updated.drained,
        offline: updated.offline,
        public: updated.public,
        pins: { set, add, remove },
        reconnect,
      },
      'backend modified',
    );
    return updated;
  }

  /** Removes a backend that holds no live servers. */
  async remove(name: string): Promise<void> {
    const b = await this.get(name);
    const live = await this.repo.removeIfEmpty(b.id);
    if (live > 0) {
      throw conflict(
        `Backend ${name} still holds ${live} server${live === 1 ? '' : 's'}; delete or move them first (drain it to stop new ones).`,
      );
    }
    this.log.info({ backend: name }, 'backend removed');
  }

  /** Re-reads the backend's nodes through RAPI now. */
  async refresh(name: string): Promise<RefreshResult> {
    return this.capacity.refresh(await this.get(name));
  }

  /** Live node list from RAPI. */
  async liveNodes(name: string) {
    const b = await this.get(name);
    try {
      return await this.client(b).listNodes();
    } catch (err) {
      throw rapiFault(b.name, err);
    }
  }

  /**
   * Drains or offlines a node through RAPI (`POST /2/nodes/[n]/modify`), waits a bounded time for
   * the job, then re-reads the nodes. `reason` (the request id) goes into the job's reason trail.
   */
  async setNodeFlags(
    backendName: string,
    node: string,
    flags: { drained?: boolean; offline?: boolean },
    reason: string | undefined,
  ): Promise<NodeChangeResult> {
    if (flags.drained === undefined && flags.offline === undefined) {
      throw badRequest('Nothing to change: give drained and/or offline.');
    }
    const b = await this.get(backendName);
    if (b.offline) throw conflict(`Backend ${b.name} is offline; bring it online first.`);
    const client = this.client(b);
    let jobId: number;
    try {
      jobId = await client.modifyNode(node, flags, { reason });
    } catch (err) {
      if (err instanceof RapiError && err.status === 404) {
        throw notFound(`Node ${node} could not be found on backend ${b.name}.`);
      }
      throw rapiFault(b.name, err);
    }
    this.log.info(
      { backend: b.name, node, ...flags, jobId, requestId: reason },
      'node change submitted',
    );
    const jobStatus = await this.waitForJob(client, jobId);
    if (jobStatus === 'error' || jobStatus === 'canceled') {
      const job = await client.getJob(jobId).catch(() => null);
      const why = JSON.stringify(job?.opresult ?? null);
      throw conflict(
        `The master refused the change of node ${node} (job ${jobId} ${jobStatus}): ${why}`,
      );
    }
    let current: BackendNode | null = null;
    if (jobStatus === 'success') {
      await this.capacity.refresh(b);
      current = await this.repo.node(b.id, node);
    }
    return { backend: b.name, node, jobId, jobStatus, current };
  }

  private async waitForJob(client: RapiClient, jobId: number): Promise<string> {
    const deadline = Date.now() + NODE_JOB_WAIT_MS;
    let previous: unknown[] | null = null;
    for (;;) {
      const job = await client.getJob(jobId);
      const status = job.status ?? 'unknown';
      if (status === 'success' || status === 'error' || status === 'canceled') return status;
      if (Date.now() > deadline) return status;
      // Long-poll: returns as soon as the job's status changes (or after ~10 s).
      const changed: RapiJobWaitResult | null = await client
        .waitForJobChange(jobId, ['status'], previous ?? [status], null)
        .catch(() => null);
      previous = changed?.job_info ?? previous;
    }
  }

  private async verify(
    b: Pick<BackendInput, 'name' | 'rapiUrl' | 'rapiUser' | 'rapiPassword'>,
  ): Promise<void> {
    // Only the connection: the check runs even for a backend being added offline.
    const { name, rapiUrl, rapiUser, rapiPassword } = b;
    const client = this.rapi.forBackend({ name, rapiUrl, rapiUser, rapiPassword });
    try {
      const version = await client.version();
      if (version !== 2) throw badRequest(`${b.rapiUrl} answers RAPI version ${version}, not 2.`);
      await client.info();
    } catch (err) {
      if (err instanceof DomainError) throw err;
      const e = err as RapiError;
      if (e instanceof RapiError && e.status === 401) {
        throw badRequest(`${b.rapiUrl} refused the credentials of ${b.rapiUser} (401).`);
      }
      throw badRequest(`Cannot reach the RAPI of ${b.name} at ${b.rapiUrl}: ${e.message}`);
    }
  }

  /** Project ids for ids or names; 400 naming the ones that do not exist. */
  private async projectIds(refs: string[]): Promise<string[]> {
    const { ids, missing } = await this.repo.resolveProjects(refs);
    if (missing.length) {
      throw badRequest(
        `Project ${missing.map((m) => JSON.stringify(m)).join(', ')} could not be found (give a project id, or a name no other domain uses).`,
      );
    }
    return ids;
  }

  private client(b: Backend): RapiClient {
    return this.rapi.forBackend(b);
  }
}

function validateName(name: string): void {
  if (!NAME.test(name)) {
    throw badRequest(
      `Invalid backend name ${JSON.stringify(name)}: letters, digits, . and - (at most 63).`,
    );
  }
}

function validateUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badRequest(`Invalid RAPI URL ${JSON.stringify(url)}: expected https://host:5080`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw badRequest(`Invalid RAPI URL ${JSON.stringify(url)}: expected https://host:5080`);
  }
}

/** A RAPI failure as the operator should see it: 503 when the backend does not answer. */
export function rapiFault(backend: string, err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const e = err as RapiError;
  if (e instanceof RapiError && e.status !== null && e.status < 500) {
    return new DomainError('conflictingRequest', `Backend ${backend}: ${e.message}`);
  }
  return new DomainError(
    'serviceUnavailable',
    `Backend ${backend} did not answer: ${(err as Error).message}`,
  );
}
