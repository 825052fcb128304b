import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  RapiClientFactory,
  createRedis,
  heartbeatArrivedKey,
  heartbeatSentKey,
  heartbeatTag,
  newHeartbeatId,
  type HeartbeatArrival,
  type HeartbeatSent,
  type Logger,
  type NefosConfig,
} from '@nefos/contracts';
import { BackendRepository, SystemStateRepository } from '@nefos/database';
import type { Redis } from 'ioredis';
import { DispatcherMetrics } from '../metrics/dispatcher.metrics';
import { RoundLock } from './round.lock';
import { ServerReconciler, type Finding } from './server.reconciler';

/** The fixes the periodic run makes on its own; stale and orphan servers are only reported. */
export const SAFE_FIXES = { fixUnsynced: true, fixPendingTasks: true } as const;

interface LastRound {
  byBackend?: Record<string, Record<string, number>>;
}

/**
 * Periodic work of the dispatcher: reconciliation in report-and-fix-safe mode, and the heartbeat
 * that proves master -> eventd -> Redis -> dispatcher. With several dispatchers a Redis lock lets
 * one of them do each round: it is taken for one interval and renewed while a round runs longer,
 * so two rounds never overlap; the results live in the database, where every dispatcher's
 * metrics read them.
 */
@Injectable()
export class PeriodicScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly timers: NodeJS.Timeout[] = [];
  private redis: Redis | null = null;
  private lock: RoundLock | null = null;
  private busy = new Set<string>();

  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    private readonly reconciler: ServerReconciler,
    private readonly backends: BackendRepository,
    private readonly state: SystemStateRepository,
    private readonly rapi: RapiClientFactory,
    private readonly metrics: DispatcherMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.redis = createRedis(this.config);
    this.redis.on('error', () => undefined);
    this.lock = new RoundLock(this.redis, this.config.redis.prefix);
    this.metrics.readShared = {
      reconcile: () => this.showLastRound().catch(() => undefined),
      heartbeat: () => this.showHeartbeats().catch(() => undefined),
    };
    const { reconcileIntervalSeconds: r, heartbeatIntervalSeconds: h } = this.config.dispatcher;
    if (h > 0) {
      this.timers.push(
        setTimeout(() => void this.guard('heartbeat', h, () => this.heartbeat()), 2000),
      );
      this.timers.push(
        setInterval(() => void this.guard('heartbeat', h, () => this.heartbeat()), h * 1000),
      );
    }
    if (r > 0) {
      this.timers.push(
        setInterval(
          () => void this.guard('reconcile', r, async () => void (await this.reconcile())),
          r * 1000,
        ),
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.redis?.disconnect();
  }

  /** Runs `fn` unless it is still running here, or another dispatcher took this round. */
  private async guard(
    name: string,
    intervalSeconds: number,
    fn: () => Promise<void>,
  ): Promise<void> {
    if (this.busy.has(name)) return;
    this.busy.add(name);
    try {
      await this.lock!.run(name, intervalSeconds, fn);
    } catch (err) {
      this.log.warn({ task: name, err: (err as Error).message }, 'periodic task failed');
    } finally {
      this.busy.delete(name);
    }
  }

  async reconcile(): Promise<Finding[]> {
    const findings = await this.reconciler.reconcileAll(SAFE_FIXES);
    const byBackend: Record<string, Record<string, number>> = {};
    for (const f of findings) {
      const kinds = (byBackend[f.backend] ??= {});
      kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
      const level = f.fixed ? 'info' : 'warn';
      this.log[level](
        { backend: f.backend, kind: f.kind, instance: f.instance, fixed: f.fixed, error: f.error },
        `reconciliation: ${f.detail}`,
      );
    }
    await this.state.set('reconcile:last', {
      byBackend,
      at: new Date().toISOString(),
      mode: 'report-and-fix-safe',
      findings: findings.length,
      fixed: findings.filter((f) => f.fixed).length,
      byKind: Object.fromEntries(
        [...new Set(findings.map((f) => f.kind))].map((k) => [
          k,
          findings.filter((f) => f.kind === k).length,
        ]),
      ),
    });
    return findings;
  }

  /** The findings of the last round, whichever dispatcher ran it. */
  private async showLastRound(): Promise<void> {
    const last = (await this.state.get<LastRound>('reconcile:last'))?.value;
    this.metrics.reconcileFindings.reset();
    for (const [backend, kinds] of Object.entries(last?.byBackend ?? {})) {
      for (const [kind, n] of Object.entries(kinds)) {
        this.metrics.reconcileFindings.set({ backend, kind }, n);
      }
    }
  }

  /** The round trip of each backend's last heartbeat that arrived, whoever sent it. */
  private async showHeartbeats(): Promise<void> {
    for (const b of await this.backends.list()) {
      if (b.offline) continue;
      const rtt = await this.roundTrip(b.name);
      if (rtt !== null) this.metrics.heartbeatAge.set({ backend: b.name }, rtt);
    }
  }

  private async roundTrip(backend: string): Promise<number | null> {
    const previous = (await this.state.get<HeartbeatSent>(heartbeatSentKey(backend)))?.value;
    const arrival = (await this.state.get<HeartbeatArrival>(heartbeatArrivedKey(backend)))?.value;
    const came = arrival?.recent?.find((r) => r.id === previous?.id);
    if (!previous || !came) return null;
    return Math.max(0, (Date.parse(came.arrivedAt) - Date.parse(previous.sentAt)) / 1000);
  }

  /** Sends one heartbeat per backend. */
  async heartbeat(): Promise<void> {
    for (const b of await this.backends.list()) {
      if (b.offline) continue;
      const id = newHeartbeatId();
      const sent: HeartbeatSent = { id, jobId: null, sentAt: new Date().toISOString() };
      try {
        sent.jobId = await this.rapi
          .forBackend(b)
          .addClusterTags([heartbeatTag(id)], { dryRun: true, reason: `nefos heartbeat ${id}` });
      } catch (err) {
        sent.error = (err as Error).message;
        await this.state.markHeartbeatFailed(b.name);
        this.log.warn({ backend: b.name, err: sent.error }, 'heartbeat not accepted by RAPI');
      }
      await this.state.set(heartbeatSentKey(b.name), sent);
    }
  }
}
