import { join } from 'node:path';
import { Inject } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import { NEFOS_CONFIG, projectRoot, type NefosConfig } from '@nefos/contracts';
import { installHooks } from '../../../hooks/hooks.installer';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';

type Options = JsonOption & { dir?: string; cluster?: string };

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

@Command({
  name: 'hooks-install',
  description:
    "install Nefos's post hooks (NICs, firewall, build progress) into a Ganeti-style hooks dir",
})
export class HooksInstallCommand extends BaseCommand<Options> {
  constructor(@Inject(NEFOS_CONFIG) private readonly config: NefosConfig) {
    super();
  }

  protected async execute(_args: string[], o: Options, out: Output): Promise<void> {
    if (!this.config.redis.url) {
      throw new CommandError('REDIS_URL is not set: the hooks need to know where to publish');
    }
    const dir = o.dir ?? this.config.master.hooksDir;
    const cluster = o.cluster ?? this.config.eventd.cluster;
    if (!CLUSTER_NAME.test(cluster)) {
      throw new CommandError(`invalid cluster name ${JSON.stringify(cluster)}: a host-like name`);
    }
    const files = installHooks(
      dir,
      {
        redisUrl: this.config.redis.url,
        redisPrefix: this.config.redis.prefix,
        cluster,
      },
      { node: process.execPath, entry: join(projectRoot(), 'dist', 'hooks', 'main.js') },
    );
    out.list(
      files.map((f) => ({ installed: f, cluster })),
      ['installed', 'cluster'],
    );
  }

  @Option({
    flags: '--cluster <name>',
    description:
      "the backend name the hooks' messages carry: the name the cluster is registered under (default NEFOS_EVENTD_CLUSTER, else NEFOS_CLUSTER_NAME)",
  })
  parseCluster(v: string): string {
    return v;
  }

  @Option({
    flags: '--dir <path>',
    description: 'hooks directory (default NEFOS_HOOKS_DIR; /etc/ganeti/hooks on a Ganeti master)',
  })
  parseDir(v: string): string {
    return v;
  }
}
