import { Injectable } from '@nestjs/common';
import { OpCode, OperState, RapiError, ServerTask, submitOnce } from '@nefos/contracts';
import {
  PrismaService,
  QuotaStore,
  ServerRepository,
  type Prisma,
  type QuotaDeltas,
  type Server,
} from '@nefos/database';
import { currentRequestId } from '../../common/request/request-id.middleware';
import type { AuthContext } from '../../identity/auth/auth-context';
import { PortAllocator } from '../../networks/port-allocator';
import { backendOffline, rapiFailure } from './rapi-failure';
import { ServerTaskRunner } from './server-task.runner';

type Tx = Prisma.TransactionClient;

/**
 * `DELETE /servers/{id}`: allowed in any state and while any task is pending (delete wins). A
 * server that never reached a backend (or that its backend no longer knows) is finished here;
 * otherwise the remove job is submitted and the dispatcher finishes it (DESIGN §5).
 */
@Injectable()
export class ServerDeleteService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly servers: ServerRepository,
    private readonly quotas: QuotaStore,
    private readonly ports: PortAllocator,
    private readonly runner: ServerTaskRunner,
  ) {}

  async delete(auth: AuthContext, id: string): Promise<void> {
    const requestId = currentRequestId() ?? null;
    await this.prisma.$transaction(async (tx) => {
      const s = await this.runner.lockVisible(tx, auth, id);
      await this.servers.trail(tx, {
        serverId: s.id,
        source: 'api',
        requestId,
        message: `delete requested by user ${auth.userId}`,
      });
      if (s.task === ServerTask.Deleting) return; // already on its way
      const backend = s.backendId ? await this.runner.backendOf(s, tx) : null;
      const neverSubmitted = s.backendJobId === null;
      if (!backend || neverSubmitted) {
        await this.finishLocally(tx, s);
        return;
      }
      // A server whose instance may exist stays on its backend for life: no call while offline.
      if (backend.offline) throw backendOffline(backend.name, 'delete', s.id);
      const release = await this.releaseDeltas(tx, s);
      let jobId: number;
      try {
        const rapi = this.runner.clientFor(backend);
        jobId = await submitOnce(
          rapi,
          { reason: requestId ?? '', opcode: OpCode.InstanceRemove, instance: s.instanceName },
          () => rapi.deleteInstance(s.instanceName, { reason: requestId ?? '' }),
        );
      } catch (err) {
        if (err instanceof RapiError && err.status === 404) {
          // The backend has no such instance (its create failed): nothing left to remove there.
          await this.finishLocally(tx, s);
          return;
        }
        throw rapiFailure(err, 'delete', s.id);
      }
      await this.servers.update(tx, s.id, {
        task: ServerTask.Deleting,
        taskJobId: jobId,
        backendJobId: jobId,
        backendJobStatus: 'queued',
        backendOpcode: OpCode.InstanceRemove,
      });
      if (release) {
        const { commissionId } = await this.quotas.reserve(tx, s.projectId, release, {
          action: 'delete',
          serverId: s.id,
        });
        await this.quotas.bindJob(commissionId, jobId, tx);
      }
      await this.servers.trail(tx, {
        serverId: s.id,
        source: 'rapi',
        requestId,
        jobId,
        opcode: OpCode.InstanceRemove,
        status: 'queued',
        message: `${OpCode.InstanceRemove} submitted to ${backend.name} as job ${jobId}`,
      });
    }, this.runner.txOptions);
  }

  /**
   * What deleting gives back: the server's resources, but only what was counted. A create still
   * pending will be accepted or rejected by the dispatcher; a rejected one never counted.
   */
  private async releaseDeltas(tx: Tx, s: Server): Promise<QuotaDeltas | null> {
    const creates = await tx.commission.findMany({
      where: { serverId: s.id, action: 'create' },
      select: { status: true },
    });
    if (creates.length > 0 && creates.every((c) => c.status === 'REJECTED')) return null;
    const flavor = await tx.flavor.findUniqueOrThrow({ where: { id: s.flavorId } });
    return { instances: -1, cores: -flavor.vcpus, ram: -flavor.ramMb, disk: -flavor.diskGb };
  }

  /** No backend instance exists: mark deleted, free ports and addresses, settle the quota now. */
  private async finishLocally(tx: Tx, s: Server): Promise<void> {
    const pending = await tx.commission.findMany({
      where: { serverId: s.id, status: 'PENDING' },
      select: { id: true, action: true },
    });
    for (const c of pending) await this.quotas.reject(tx, c.id);
    const release = await this.releaseDeltas(tx, s);
    if (release) {
      const { commissionId } = await this.quotas.reserve(tx, s.projectId, release, {
        action: 'delete',
        serverId: s.id,
      });
      await this.quotas.accept(tx, commissionId);
    }
    await this.ports.releaseServer(tx, s.id);
    await this.servers.update(tx, s.id, {
      deleted: true,
      operstate: OperState.Destroyed,
      task: null,
      taskJobId: null,
      terminatedAt: new Date(),
    });
    await this.servers.trail(tx, {
      serverId: s.id,
      source: 'api',
      requestId: currentRequestId() ?? null,
      message: 'deleted without a backend job: no instance existed on a backend',
    });
  }
}
