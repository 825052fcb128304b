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
import { ServerReconciler, type Finding } from './server.reconciler';

/** The fixes the periodic run makes on its own; stale and orphan servers are only reported. */
export const SAFE_FIXES = { fixUnsynced: true, fixPendingTasks: true } as const;

/**
 * Periodic work of the dispatcher: reconciliation in report-and-fix-safe mode, and the heartbeat
 * that proves master -> eventd -> Redis -> dispatcher. With several dispatchers a Redis lock lets
 * one of them do each round.
 */
@Injectable()
export class PeriodicScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly timers: NodeJS.Timeout[] = [];
  private redis: Redis | null = null;
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
      const key = `${this.config.redis.prefix}:lock:${name}`;
      const ttl = Math.max(1000, intervalSeconds * 1000 - 500);
      const got = await this.redis!.set(key, String(process.pid), 'PX', ttl, 'NX').catch(
        () => null,
      );
      if (got !== 'OK') return;
      await fn();
    } catch (err) {
      this.log.warn({ task: name, err: (err as Error).message }, 'periodic task failed');
    } finally {
      this.busy.delete(name);
    }
  }

  async reconcile(): Promise<Finding[]> {
    const findings = await this.reconciler.reconcileAll(SAFE_FIXES);
    this.metrics.reconcileFindings.reset();
    const counts = new Map<string, number>();
    for (const f of findings) {
      const k = `${f.backend}\u0000${f.kind}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      const level = f.fixed ? 'info' : 'warn';
      this.log[level](
        { backend: f.backend, kind: f.kind, instance: f.instance, fixed: f.fixed, error: f.error },
        `reconciliation: ${f.detail}`,
      );
    }
    for (const [k, n] of counts) {
      const [backend, kind] = k.split('\u0000');
      this.metrics.reconcileFindings.set({ backend, kind }, n);
    }
    await this.state.set('reconcile:last', {
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

  /** Sends one heartbeat per backend and records the round trip of the previous one. */
  async heartbeat(): Promise<void> {
    for (const b of await this.backends.list()) {
      if (b.offline) continue;
      const previous = (await this.state.get<HeartbeatSent>(heartbeatSentKey(b.name)))?.value;
      const arrival = (await this.state.get<HeartbeatArrival>(heartbeatArrivedKey(b.name)))?.value;
      const came = arrival?.recent?.find((r) => r.id === previous?.id);
      if (previous && came) {
        const rtt = (Date.parse(came.arrivedAt) - Date.parse(previous.sentAt)) / 1000;
        this.metrics.heartbeatAge.set({ backend: b.name }, Math.max(0, rtt));
      }
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
