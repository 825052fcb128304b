import { Inject, Injectable } from '@nestjs/common';
import {
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  OpCode,
  OperState,
  serverIdFromInstanceName,
  timestampToMicros,
  type Logger,
  type NefosConfig,
  type OpEvent,
} from '@nefos/contracts';
import {
  Prisma,
  QuotaStore,
  ServerEventRepository,
  type Server,
  type TrailSource,
} from '@nefos/database';
import { BackendNames } from './backend-names';
import { JobResubmitter, type ResubmitOutcome } from './job-resubmitter';
import { ResourceSync } from './resource-sync';
import { opError, planOpEvent, resubmittedPlan, type OpPlan } from './op-rules';

type Tx = Prisma.TransactionClient;

export type ApplyOutcome =
  OpPlan['outcome'] | 'unknown-server' | 'foreign-name' | 'foreign-cluster' | 'deleted';

/** Commission actions (as the API names them) each op settles. */
const COMMISSION_ACTION: Record<string, RegExp> = {
  [OpCode.InstanceCreate]: /create|build|spawn/i,
  [OpCode.InstanceRemove]: /delete|remove|destroy/i,
  [OpCode.InstanceSetParams]: /resize|modify|set/i,
};

function microsToDate(us: bigint): Date {
  return new Date(Number(us / 1000n));
}

/**
 * Applies `events.op` messages (and reconciliation's simulated ones) to the server they concern:
 * one transaction, server row locked, rules of DESIGN.md §5 (see op-rules.ts).
 */
@Injectable()
export class ServerEventService {
  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    private readonly servers: ServerEventRepository,
    private readonly quotas: QuotaStore,
    private readonly resources: ResourceSync,
    private readonly backends: BackendNames,
    private readonly resubmitter: JobResubmitter,
  ) {}

  async applyOp(msg: OpEvent, source: TrailSource = 'event'): Promise<ApplyOutcome> {
    if (serverIdFromInstanceName(this.config.compute.instancePrefix, msg.instance) === null) {
      return 'foreign-name';
    }
    const request = await this.resubmitter.prepare(msg);
    return this.servers.transaction(async (tx) => {
      const server = await this.servers.lockByInstanceName(tx, msg.instance);
      if (!server) return 'unknown-server';
      if (server.deleted) return 'deleted';
      if (!(await this.backends.matches(server.backendId, msg.cluster))) {
        this.backends.reportForeign(msg.cluster, msg.instance, server.backendId, msg.operation);
        return 'foreign-cluster';
      }
      let plan = planOpEvent(server, msg);
      let resubmit: ResubmitOutcome | null = null;
      if (plan.resubmit) {
        resubmit = await this.resubmitter.resubmit(tx, server, msg, request);
        if (resubmit.resubmitted) plan = resubmittedPlan(plan);
      }
      await this.execute(tx, server, msg, plan, source, resubmit);
      return plan.outcome;
    });
  }

  private async execute(
    tx: Tx,
    server: Server,
    msg: OpEvent,
    plan: OpPlan,
    source: TrailSource,
    resubmit: ResubmitOutcome | null = null,
  ): Promise<void> {
    const t = timestampToMicros(msg.eventTime);
    const at = microsToDate(t);
    const data: Prisma.ServerUncheckedUpdateInput = {};
    const notes: string[] = [];

    if (plan.bookkeeping) {
      Object.assign(data, {
        backendJobId: msg.jobId,
        backendJobStatus: msg.status,
        backendOpcode: msg.operation,
        backendLogMsg: msg.logmsg || null,
        backendEventTime: t,
      });
    }
    if (plan.advanceTime) data.backendTime = t;
    if (plan.state) data.operstate = plan.state;
    if (plan.launched) data.launchedAt = at;
    if (plan.state === OperState.Started || plan.state === OperState.Stopped) {
      if (server.operstate === OperState.Build) data.buildProgress = 100;
    }
    if (plan.fault) {
      Object.assign(data, {
        faultCode: plan.fault.code,
        faultMessage: plan.fault.message,
        faultDetails: plan.fault.details,
        faultAt: at,
      });
    }
    if (plan.clearFault) {
      Object.assign(data, {
        faultCode: null,
        faultMessage: null,
        faultDetails: null,
        faultAt: null,
      });
    }
    if (plan.clearTask) {
      Object.assign(data, { task: null, taskJobId: null });
      notes.push(`task ${server.task} done`);
    }
    if (resubmit?.resubmitted) {
      notes.push(`task ${server.task} now waits for job ${resubmit.jobId}`, ...resubmit.notes);
    } else if (resubmit) {
      notes.push(`not submitted again: ${resubmit.why}`);
    }
    if (plan.resize === 'pending') data.resizePending = true;
    if (plan.resize === 'reverted')
      Object.assign(data, { resizePending: false, oldFlavorId: null });

    if (plan.sync && !plan.destroy) {
      const synced = await this.resources.syncFromMessage(tx, server, msg);
      Object.assign(data, synced.server);
      notes.push(...synced.notes);
    }
    if (plan.resourcesError) await this.resources.markError(tx, server.id);
    if (plan.destroy) {
      Object.assign(data, {
        operstate: OperState.Destroyed,
        deleted: true,
        terminatedAt: at,
        task: null,
        taskJobId: null,
      });
      notes.push(...(await this.resources.releaseAll(tx, server.id)));
    }
    if (plan.settle) notes.push(...(await this.settle(tx, server, msg, plan)));

    if (Object.keys(data).length > 0) await this.servers.update(tx, server.id, data);

    if (plan.outcome !== 'duplicate') {
      await this.servers.trail(tx, {
        serverId: server.id,
        source,
        requestId: msg.requestId ?? null,
        jobId: msg.jobId,
        opcode: msg.operation,
        status: msg.status,
        message: `${msg.operation} ${msg.status}${msg.logmsg ? `: ${msg.logmsg}` : ''}`,
        data: {
          opIndex: msg.opIndex,
          eventTime: msg.eventTime,
          outcome: plan.outcome,
          ...(notes.length ? { notes } : {}),
          ...(msg.status === 'error' || msg.status === 'canceled'
            ? { error: opError(msg.result, msg.logmsg) }
            : {}),
        },
      });
    }
    const newState = plan.destroy ? OperState.Destroyed : plan.state;
    if (newState && newState !== server.operstate) {
      await this.servers.trail(tx, {
        serverId: server.id,
        source: source === 'reconcile' ? 'reconcile' : 'state',
        requestId: msg.requestId ?? null,
        jobId: msg.jobId,
        opcode: msg.operation,
        status: msg.status,
        message: `${server.operstate} -> ${newState}`,
        data: {
          from: server.operstate,
          to: newState,
          ...(plan.fault ? { fault: plan.fault } : {}),
        },
      });
      this.log.info(
        {
          server: server.id,
          from: server.operstate,
          to: newState,
          jobId: msg.jobId,
          source,
          requestId: msg.requestId,
        },
        'server state changed',
      );
    }
  }

  /**
   * Settles the quota commission waiting for this job: the one bound to the job id, else the
   * oldest unbound one whose action matches the op. On deletion every pending commission of the
   * server is settled, since nothing will ever report on them again.
   */
  private async settle(tx: Tx, server: Server, msg: OpEvent, plan: OpPlan): Promise<string[]> {
    const pending = await this.servers.pendingCommissions(tx, server.id);
    if (pending.length === 0) return [];
    const pattern = COMMISSION_ACTION[msg.operation];
    const own =
      pending.find((c) => c.backendJobId === msg.jobId) ??
      pending.find((c) => c.backendJobId === null && pattern?.test(c.action));
    const notes: string[] = [];
    const decide = async (id: string, outcome: 'accept' | 'reject'): Promise<void> => {
      const r =
        outcome === 'accept' ? await this.quotas.accept(tx, id) : await this.quotas.reject(tx, id);
      notes.push(`commission ${id} ${r.toLowerCase()}`);
    };
    if (!plan.destroy) {
      if (own) await decide(own.id, plan.settle!);
      return notes;
    }
    // Deletion: earlier commissions (a create never reported, a resize) count only if the
    // instance existed; the delete's own releases usage only if anything was ever counted.
    const existed = msg.status === 'success';
    for (const c of pending) {
      if (c.id === own?.id) continue;
      await decide(c.id, existed ? 'accept' : 'reject');
    }
    if (own) {
      const counted = await this.servers.hasAcceptedCommission(tx, server.id);
      await decide(own.id, counted ? 'accept' : 'reject');
    }
    return notes;
  }
}
