import { Inject, Injectable } from '@nestjs/common';
import { BackendRepository, PrismaService, type Backend } from '@nefos/database';
import {
  NEFOS_CONFIG,
  RapiClientFactory,
  heartbeatArrivedKey,
  heartbeatSentKey,
  livenessPattern,
  type HeartbeatArrival,
  type HeartbeatSent,
  type NefosConfig,
} from '@nefos/contracts';
import { RedisService } from '../common/redis/redis.service';

export interface DependencyState {
  name: string;
  kind: 'database' | 'redis' | 'backend' | 'pipeline';
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

async function timed(
  fn: () => Promise<unknown>,
): Promise<{ ok: boolean; latencyMs: number; detail?: string }> {
  const t = performance.now();
  try {
    await fn();
    return { ok: true, latencyMs: Math.round(performance.now() - t) };
  } catch (err) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - t),
      detail: (err as Error).message,
    };
  }
}

@Injectable()
export class HealthService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly backends: BackendRepository,
    private readonly rapi: RapiClientFactory,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  async check(): Promise<{ ok: boolean; dependencies: DependencyState[] }> {
    const db = await timed(() => this.prisma.$queryRaw`SELECT 1`);
    const redis = await timed(async () => {
      if (!(await this.redis.ping())) throw new Error('no PONG from Redis');
    });
    const deps: DependencyState[] = [
      { name: 'postgres', kind: 'database', ...db },
      { name: 'redis', kind: 'redis', ...redis },
    ];
    if (db.ok) {
      const backends = await this.backends.list();
      const results = await Promise.all(
        backends.map(async (b) => {
          if (b.offline)
            return {
              name: b.name,
              kind: 'backend' as const,
              ok: true,
              latencyMs: 0,
              detail: 'offline (set by an administrator)',
            };
          const r = await timed(() => this.rapi.forBackend(b).version());
          return { name: b.name, kind: 'backend' as const, ...r };
        }),
      );
      deps.push(...results);
      for (const b of backends) {
        const backendOk = results.find((r) => r.name === b.name)?.ok ?? false;
        if (!b.offline && backendOk) deps.push(await this.pipeline(b, redis.ok));
      }
    }
    return { ok: deps.every((d) => d.ok), dependencies: deps };
  }

  /**
   * The event pipeline of a backend, from the dispatcher's periodic heartbeat (a dry-run job
   * through RAPI -> master -> eventd -> Redis -> dispatcher): fine while the last one arrived or
   * is still within its time budget; otherwise the detail names the hop that failed.
   */
  private async pipeline(b: Backend, redisOk: boolean): Promise<DependencyState> {
    const name = `${b.name} events`;
    const [sentRow, arrivedRow] = await Promise.all([
      this.prisma.systemState.findUnique({ where: { key: heartbeatSentKey(b.name) } }),
      this.prisma.systemState.findUnique({ where: { key: heartbeatArrivedKey(b.name) } }),
    ]);
    const sent = sentRow?.value as HeartbeatSent | undefined;
    const arrived = arrivedRow?.value as HeartbeatArrival | undefined;
    const base = { name, kind: 'pipeline' as const };
    if (!sent) {
      return { ...base, ok: true, latencyMs: 0, detail: 'no heartbeat sent yet' };
    }
    if (sent.error) {
      return { ...base, ok: false, latencyMs: 0, detail: `rapi: heartbeat refused: ${sent.error}` };
    }
    const ageMs = Date.now() - Date.parse(sent.sentAt);
    const budgetMs = this.config.dispatcher.heartbeatBudgetSeconds * 1000;
    const intervalMs = this.config.dispatcher.heartbeatIntervalSeconds * 1000;
    if (intervalMs > 0 && ageMs > 2 * intervalMs + budgetMs) {
      // The dispatchers send the heartbeats: none was sent lately, so none is running.
      return {
        ...base,
        ok: false,
        latencyMs: ageMs,
        detail: `dispatcher: no heartbeat sent since ${sent.sentAt}; is a dispatcher running?`,
      };
    }
    const came = arrived?.recent?.find((r) => r.id === sent.id);
    if (came) {
      const rtt = Date.parse(came.arrivedAt) - Date.parse(sent.sentAt);
      return {
        ...base,
        ok: true,
        latencyMs: Math.max(0, rtt),
        detail: `heartbeat ${sent.id} arrived`,
      };
    }
    if (ageMs <= budgetMs) {
      return { ...base, ok: true, latencyMs: ageMs, detail: `heartbeat ${sent.id} in flight` };
    }
    return { ...base, ok: false, latencyMs: ageMs, detail: await this.failedHop(b, sent, redisOk) };
  }

  private async failedHop(b: Backend, sent: HeartbeatSent, redisOk: boolean): Promise<string> {
    const late = `heartbeat ${sent.id} sent ${sent.sentAt} has not arrived`;
    if (sent.jobId !== null) {
      const job = await this.rapi
        .forBackend(b)
        .getJob(sent.jobId)
        .catch(() => null);
      if (job && job.status !== 'success') {
        return `master: ${late}; job ${sent.jobId} is ${job.status ?? 'unknown to the master'}`;
      }
    }
    if (!redisOk) return `redis: ${late}; Redis does not answer`;
    const alive = async (daemon: 'eventd' | 'dispatcher'): Promise<boolean> => {
      const [, keys] = await this.redis.client
        .scan('0', 'MATCH', livenessPattern(this.config.redis.prefix, daemon), 'COUNT', 1000)
        .catch(() => ['0', [] as string[]] as const);
      return keys.length > 0;
    };
    if (!(await alive('eventd'))) return `eventd: ${late}; no eventd is running`;
    if (!(await alive('dispatcher'))) return `dispatcher: ${late}; no dispatcher is running`;
    return `eventd or dispatcher: ${late}; both are running (see nefos-manage status-check)`;
  }
}
