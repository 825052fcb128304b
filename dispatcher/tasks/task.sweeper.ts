import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { hostname } from 'node:os';
import {
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  createRedis,
  livenessKey,
  type Logger,
  type NefosConfig,
} from '@nefos/contracts';
import { ServerEventRepository } from '@nefos/database';
import type { Redis } from 'ioredis';
import { DispatcherMetrics } from '../metrics/dispatcher.metrics';

/**
 * Clears tasks whose job the dispatcher saw end before the API stored the job id (the API
 * submits, then records `taskJobId`; a fast job can finish in between). Purely from the
 * database, every few seconds. Also keeps the dispatcher's liveness key fresh.
 */
@Injectable()
export class TaskSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private redis: Redis | null = null;
  private running = false;

  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    private readonly servers: ServerEventRepository,
    private readonly metrics: DispatcherMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.redis = createRedis(this.config, { lazyConnect: false });
    this.redis.on('error', () => undefined); // reconnects by itself; liveness simply lapses
    this.timer = setInterval(() => void this.tick(), 5_000);
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.redis?.disconnect();
  }

  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      await this.redis
        ?.set(
          livenessKey(this.config.redis.prefix, 'dispatcher', `${hostname()}-${process.pid}`),
          JSON.stringify({ host: hostname(), pid: process.pid, at: new Date().toISOString() }),
          'EX',
          15,
        )
        .catch(() => undefined);
      return await this.sweep();
    } finally {
      this.running = false;
    }
  }

  private async sweep(): Promise<number> {
    let cleared = 0;
    try {
      for (const s of await this.servers.findSettledTasks()) {
        const done = await this.servers.transaction(async (tx) => {
          const row = await this.servers.lockByInstanceName(tx, s.instanceName);
          if (
            !row ||
            row.deleted ||
            row.task === null ||
            row.taskJobId === null ||
            row.taskJobId !== row.backendJobId ||
            !['success', 'error', 'canceled'].includes(row.backendJobStatus ?? '')
          ) {
            return false;
          }
          await this.servers.update(tx, row.id, { task: null, taskJobId: null });
          await this.servers.trail(tx, {
            serverId: row.id,
            source: 'state',
            jobId: row.taskJobId,
            opcode: row.backendOpcode,
            status: row.backendJobStatus,
            message: `task ${row.task} done (job ${row.taskJobId} had already ended)`,
          });
          return true;
        });
        if (done) cleared++;
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'task sweep failed');
    }
    if (cleared) this.metrics.tasksSwept.inc(cleared);
    return cleared;
  }
}
