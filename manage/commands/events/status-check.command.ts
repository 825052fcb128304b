import { Inject } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import {
  HeartbeatProbe,
  NEFOS_CONFIG,
  RapiClientFactory,
  heartbeatArrivedKey,
  type HeartbeatArrival,
  type NefosConfig,
} from '@nefos/contracts';
import { BackendRepository, SystemStateRepository } from '@nefos/database';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';

type Options = JsonOption & { backend?: string; timeout?: number };

@Command({
  name: 'status-check',
  description:
    'send a heartbeat through RAPI -> master -> eventd -> Redis -> dispatcher and report the hop that fails',
})
export class StatusCheckCommand extends BaseCommand<Options> {
  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    private readonly backends: BackendRepository,
    private readonly state: SystemStateRepository,
    private readonly rapi: RapiClientFactory,
  ) {
    super();
  }

  protected async execute(_args: string[], o: Options, out: Output): Promise<void> {
    const all = (await this.backends.list()).filter((b) => !b.offline);
    const chosen = o.backend ? all.filter((b) => b.name === o.backend) : all;
    if (chosen.length === 0) {
      throw new CommandError(
        o.backend ? `no online backend named ${o.backend}` : 'no online backend',
      );
    }
    const budgetMs = (o.timeout ?? this.config.dispatcher.heartbeatBudgetSeconds) * 1000;
    const probe = new HeartbeatProbe(this.config, async (cluster) => {
      const row = await this.state.get<HeartbeatArrival>(heartbeatArrivedKey(cluster));
      return row?.value ?? null;
    });
    try {
      const results = await Promise.all(
        chosen.map((b) => probe.run(this.rapi.forBackend(b), b.name, budgetMs)),
      );
      if (o.json) {
        out.list(results as unknown as Array<Record<string, unknown>>);
      } else {
        out.list(
          results.flatMap((r) =>
            r.hops.map((h) => ({
              backend: r.cluster,
              hop: h.hop,
              ok: h.ok,
              ms: h.ms,
              detail: h.detail,
            })),
          ),
          ['backend', 'hop', 'ok', 'ms', 'detail'],
        );
        for (const r of results)
          out.message(`${r.cluster}: ${r.ok ? 'OK' : 'FAILED'} - ${r.message}`);
      }
      const failed = results.filter((r) => !r.ok);
      if (failed.length) {
        throw new CommandError(
          failed.map((r) => `${r.cluster}: ${r.failedHop} failed (${r.message})`).join('; '),
        );
      }
    } finally {
      await probe.close();
    }
  }

  @Option({ flags: '--backend <name>', description: 'only this backend' })
  parseBackend(v: string): string {
    return v;
  }
  @Option({
    flags: '--timeout <seconds>',
    description: 'time budget for the whole round trip (default NEFOS_HEARTBEAT_BUDGET)',
  })
  parseTimeout(v: string): number {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new CommandError('--timeout needs a positive number');
    return n;
  }
}
