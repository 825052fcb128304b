import { Command } from 'nest-commander';
import { BackendRepository } from '@nefos/database';
import { BaseCommand } from '../base.command';
import type { Output } from '../../output/output';

@Command({
  name: 'backend-list',
  description: 'list the backends (clusters) servers can be placed on',
})
export class BackendListCommand extends BaseCommand {
  constructor(private readonly backends: BackendRepository) {
    super();
  }

  protected async execute(_args: string[], _options: object, out: Output): Promise<void> {
    const rows = await this.backends.list();
    out.list(
      rows.map((b) => ({
        name: b.name,
        url: b.rapiUrl,
        hypervisor: b.hypervisor,
        drained: b.drained,
        offline: b.offline,
        mfree: b.mfree,
        mtotal: b.mtotal,
        instances: b.pinstCnt,
        heartbeat: b.lastHeartbeatAt,
      })),
      [
        'name',
        'url',
        'hypervisor',
        'drained',
        'offline',
        'mfree',
        'mtotal',
        'instances',
        'heartbeat',
      ],
    );
  }
}
