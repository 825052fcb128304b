import { Injectable } from '@nestjs/common';
import { BackendRepository, PrismaService } from '@nefos/database';
import { RapiClientFactory } from '@nefos/contracts';
import { RedisService } from '../common/redis/redis.service';

export interface DependencyState {
  name: string;
  kind: 'database' | 'redis' | 'backend';
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
    }
    return { ok: deps.every((d) => d.ok), dependencies: deps };
  }
}
