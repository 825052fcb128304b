import { Inject, Injectable } from '@nestjs/common';
import {
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  RapiClientFactory,
  RapiError,
  type Logger,
  type NefosConfig,
  type OpEvent,
} from '@nefos/contracts';
import { QuotaStore, ServerEventRepository, type Prisma, type Server } from '@nefos/database';
import { mayResubmit } from './op-rules';
import { resubmitRequest, type ResubmitRequest } from './resubmit-request';
import { ResubmitRepository } from './resubmit.repository';

type Tx = Prisma.TransactionClient;

/** What `prepare` found: a request to send, why there is none, or a failed read to retry. */
export type Prepared = ResubmitRequest | { ok: false; why: string; readError: Error };

export type ResubmitOutcome =
  | { resubmitted: true; jobId: number; attempt: number; notes: string[] }
  | { resubmitted: false; why: string };

/**
 * Keeps an accepted request alive across a crash of the backend's master. The master marks an op
 * that was running when it died as failed (`unclean_shutdown`) and never re-runs it; the
 * intention is still in the database (the server's task and its job), so the same request is
 * submitted again and the task waits for the new job.
 *
 * Redelivery-safe: the submission happens with the server row locked and only while the task
 * still waits for the interrupted job; the new job id is stored in the same transaction, so a
 * second copy of the error event finds the task on another job and submits nothing.
 */
@Injectable()
export class JobResubmitter {
  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    private readonly rapi: RapiClientFactory,
    private readonly servers: ServerEventRepository,
    private readonly quotas: QuotaStore,
    private readonly trail: ResubmitRepository,
  ) {}

  /**
   * Reads the interrupted job back (outside the row lock: a RAPI read may take a while), when
   * the message is one that may lead to a resubmission. A read that failed is kept: it fails the
   * message (to be retried) only if the row shows the resubmission is still wanted.
   */
  async prepare(msg: OpEvent): Promise<Prepared | null> {
    if (!mayResubmit(msg) || this.config.dispatcher.resubmitAttempts === 0) return null;
    const backend = await this.servers.backendByName(msg.cluster);
    if (!backend) return { ok: false, why: `no backend named ${msg.cluster}` };
    if (backend.offline) return { ok: false, why: `backend ${backend.name} is offline` };
    try {
      const job = await this.rapi.forBackend(backend).getJob(msg.jobId);
      if (!job.ops) return { ok: false, why: `job ${msg.jobId} is unknown to ${backend.name}` };
      return resubmitRequest(job, msg.opIndex);
    } catch (err) {
      return { ok: false, why: (err as Error).message, readError: err as Error };
    }
  }

  /**
   * Submits the request again for a locked server whose task waits for `msg.jobId` (the caller
   * checked). The new job id is stored and the quota commission moves to it; the trail says why.
   */
  async resubmit(
    tx: Tx,
    server: Server,
    msg: OpEvent,
    request: Prepared | null,
  ): Promise<ResubmitOutcome> {
    const max = this.config.dispatcher.resubmitAttempts;
    if (max === 0) {
      return { resubmitted: false, why: 'resubmission is off (NEFOS_RESUBMIT_ATTEMPTS=0)' };
    }
    if (!request) return { resubmitted: false, why: 'the job could not be read back' };
    if (!request.ok && 'readError' in request) throw request.readError; // retried later
    if (!request.ok) return { resubmitted: false, why: request.why };
    const attempt = (await this.trail.attemptOf(tx, server.id, msg.jobId)) + 1;
    if (attempt > max) {
      return { resubmitted: false, why: `it was already submitted again ${max} time(s)` };
    }
    const backend = await this.servers.backendByName(msg.cluster);
    if (!backend) return { resubmitted: false, why: `no backend named ${msg.cluster}` };
    if (backend.offline) return { resubmitted: false, why: `backend ${backend.name} is offline` };
    let jobId: number;
    try {
      jobId = await request.submit(this.rapi.forBackend(backend), msg.requestId ?? '');
    } catch (err) {
      // No answer (or a server error): try again with the message's next delivery. A refusal
      // (4xx: the instance is gone, the request is no longer valid) ends the task instead.
      if (!(err instanceof RapiError) || err.unreachable || (err.status ?? 500) >= 500) throw err;
      if (err.status === 401 || err.status === 403) throw err;
      return { resubmitted: false, why: `${backend.name} refused it: ${err.message}` };
    }
    await this.servers.update(tx, server.id, { taskJobId: jobId });
    for (const c of await this.servers.pendingCommissions(tx, server.id)) {
      if (c.backendJobId === msg.jobId) await this.quotas.bindJob(c.id, jobId, tx);
    }
    await this.trail.record(tx, {
      serverId: server.id,
      requestId: msg.requestId ?? null,
      opcode: request.opcode,
      message:
        `${request.opcode} submitted again to ${backend.name} as job ${jobId} ` +
        `(attempt ${attempt} of ${max}): job ${msg.jobId} was cut short by a crash of the master`,
      resubmit: { from: msg.jobId, to: jobId, attempt },
      notes: request.notes,
    });
    this.log.warn(
      {
        server: server.id,
        from: msg.jobId,
        to: jobId,
        attempt,
        opcode: request.opcode,
        requestId: msg.requestId,
      },
      'job cut short by a master crash submitted again',
    );
    return { resubmitted: true, jobId, attempt, notes: request.notes };
  }
}
