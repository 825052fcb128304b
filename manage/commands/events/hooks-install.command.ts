import { join } from 'node:path';
import { Inject } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import { NEFOS_CONFIG, projectRoot, type NefosConfig } from '@nefos/contracts';
import { installHooks } from '../../../hooks/hooks.installer';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';

type Options = JsonOption & { dir?: string };

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
    const files = installHooks(
      dir,
      {
        redisUrl: this.config.redis.url,
        redisPrefix: this.config.redis.prefix,
        cluster: this.config.master.clusterName,
      },
      { node: process.execPath, entry: join(projectRoot(), 'dist', 'hooks', 'main.js') },
    );
    out.list(
      files.map((f) => ({ installed: f })),
      ['installed'],
    );
  }

  @Option({
    flags: '--dir <path>',
    description: 'hooks directory (default NEFOS_HOOKS_DIR; /etc/ganeti/hooks on a Ganeti master)',
  })
  parseDir(v: string): string {
    return v;
  }
}
