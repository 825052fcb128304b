import { Inject, Injectable } from '@nestjs/common';
import {
  NEFOS_CONFIG,
  RapiClientFactory,
  submitOnce,
  viewServerState,
  type NefosConfig,
  type OpCode,
  type RapiClient,
  type ServerTask,
} from '@nefos/contracts';
import {
  BackendRepository,
  PrismaService,
  QuotaStore,
  ServerRepository,
  type Backend,
  type OperState,
  type Prisma,
  type QuotaDeltas,
  type Server,
} from '@nefos/database';
import { conflict, notFound } from '../../common/errors/domain.error';
import { currentRequestId } from '../../common/request/request-id.middleware';
import type { AuthContext } from '../../identity/auth/auth-context';
import { backendOffline, rapiFailure } from './rapi-failure';

type Tx = Prisma.TransactionClient;

/** One backend job a server action starts (DESIGN §1: record the intention, submit, store the job). */
export interface BackendTask {
  /** Nova's action name, for messages: "Cannot 'reboot' instance ...". */
  action: string;
  /** Operational states in which the action is allowed. */
  allowed: Array<OperState | `${OperState}`>;
  task: ServerTask;
  opcode: OpCode;
  /** Further checks on the locked row; throw a DomainError to refuse. */
  check?: (server: Server, tx: Tx) => void | Promise<void>;
  /** Submits the job; returns its id. `reason` is the request id (Ganeti's reason trail). */
  submit: (rapi: RapiClient, instance: string, reason: string) => Promise<number>;
  /** Columns to set together with the task (e.g. the new flavor of a resize). */
  update?: (server: Server) => Prisma.ServerUncheckedUpdateInput;
  /** Further writes in the same transaction once the job is submitted (e.g. metadata). */
  apply?: (server: Server, tx: Tx) => Promise<void>;
  /** Allowed while a resize waits for confirmation (only confirm and revert are). */
  whileResized?: boolean;
  /** Quota change held until the job ends (settled by the dispatcher). */
  quota?: (server: Server, tx: Tx) => QuotaDeltas | null | Promise<QuotaDeltas | null>;
}

/**
 * Runs server actions the one safe way: lock the row (the dispatcher takes the same lock, so it
 * never sees a job before its id is stored), check state and pending task (409), submit the RAPI
 * job while holding the lock, then store task, job id and trail in the same transaction.
 */
@Injectable()
export class ServerTaskRunner {
  constructor(
    private readonly prisma: PrismaService,
    private readonly servers: ServerRepository,
    private readonly backends: BackendRepository,
    private readonly quotas: QuotaStore,
    private readonly rapi: RapiClientFactory,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  /**
   * Long enough for the RAPI call with its retries and, when the write timed out, the job-list
   * lookups of `submitOnce`: the row lock is held meanwhile, and a transaction that expired after
   * the master accepted the job would lose its id. The wait for a pooled connection is generous
   * because a burst of creates queues for connections here.
   */
  get txOptions(): { timeout: number; maxWait: number } {
    const { timeoutMs, retries } = this.config.rapi;
    return { timeout: 2 * timeoutMs * (retries + 1) + 10000, maxWait: 20000 };
  }

  /** The locked row of a live server the caller may act on, or 404. */
  async lockVisible(tx: Tx, auth: AuthContext, id: string): Promise<Server> {
    const s = await this.servers.lock(tx, id);
    if (!s || s.deleted || (!auth.isAdmin && s.projectId !== auth.projectId)) {
      throw notFound(`Instance ${id} could not be found.`);
    }
    return s;
  }

  /** 409 unless the server is idle and in one of `allowed`. */
  static checkState(
    s: Server,
    action: string,
    allowed: BackendTask['allowed'],
    whileResized = false,
  ): void {
    if (s.task) {
      throw conflict(`Cannot '${action}' instance ${s.id} while it is in task_state ${s.task}`);
    }
    if (s.resizePending !== whileResized) {
      const vm = s.resizePending ? 'resized' : viewServerState(s).vmState;
      throw conflict(`Cannot '${action}' instance ${s.id} while it is in vm_state ${vm}`);
    }
    if (!allowed.includes(s.operstate)) {
      const vm = viewServerState(s).vmState;
      throw conflict(`Cannot '${action}' instance ${s.id} while it is in vm_state ${vm}`);
    }
  }

  async backendOf(s: Server, tx: Tx = this.prisma): Promise<Backend> {
    const backend = s.backendId
      ? await tx.backend.findUnique({ where: { id: s.backendId } })
      : null;
    if (!backend) {
      throw conflict(
        `Instance ${s.id} was never placed on a backend; only deleting it is possible.`,
      );
    }
    return backend;
  }

  clientFor(backend: Backend): RapiClient {
    return this.rapi.forBackend(backend);
  }

  async run(auth: AuthContext, serverId: string, t: BackendTask): Promise<Server> {
    const requestId = currentRequestId() ?? null;
    try {
      return await this.prisma.$transaction(async (tx) => {
        const s = await this.lockVisible(tx, auth, serverId);
        ServerTaskRunner.checkState(s, t.action, t.allowed, t.whileResized);
        await t.check?.(s, tx);
        const backend = await this.backendOf(s, tx);
        if (backend.offline) throw backendOffline(backend.name, t.action, s.id);
        const deltas = t.quota ? await t.quota(s, tx) : null;
        const commission = deltas
          ? await this.quotas.reserve(tx, s.projectId, deltas, { action: t.action, serverId: s.id })
          : null;
        let jobId: number;
        try {
          const rapi = this.clientFor(backend);
          jobId = await submitOnce(
            rapi,
            { reason: requestId ?? '', opcode: t.opcode, instance: s.instanceName },
            () => t.submit(rapi, s.instanceName, requestId ?? ''),
          );
        } catch (err) {
          throw rapiFailure(err, t.action, s.id);
        }
        const updated = await this.servers.update(tx, s.id, {
          ...(t.update ? t.update(s) : {}),
          task: t.task,
          taskJobId: jobId,
          backendJobId: jobId,
          backendJobStatus: 'queued',
          backendOpcode: t.opcode,
        });
        if (commission) await this.quotas.bindJob(commission.commissionId, jobId, tx);
        if (t.apply) await t.apply(updated, tx);
        await this.servers.trail(tx, {
          serverId: s.id,
          source: 'api',
          requestId,
          message: `${t.action} requested by user ${auth.userId}`,
        });
        await this.servers.trail(tx, {
          serverId: s.id,
          source: 'rapi',
          requestId,
          jobId,
          opcode: t.opcode,
          status: 'queued',
          message: `${t.opcode} submitted to ${backend.name} as job ${jobId}`,
        });
        return updated;
      }, this.txOptions);
    } catch (err) {
      await this.trailRefusal(serverId, requestId, t.action, err);
      throw err;
    }
  }

  /** Refused requests leave a line too (outside the rolled-back transaction). */
  async trailRefusal(
    serverId: string,
    requestId: string | null,
    action: string,
    err: unknown,
  ): Promise<void> {
    // A 404 is not the caller's server (or no server at all): nothing of theirs to record.
    if ((err as { fault?: string }).fault === 'itemNotFound') return;
    const message = (err as Error).message;
    await this.prisma.serverTrail
      .create({
        data: {
          serverId,
          source: 'api',
          requestId,
          message: `${action} refused: ${message}`.slice(0, 2000),
        },
      })
      .catch(() => undefined); // the server may not exist: nothing to attach the line to
  }
}
