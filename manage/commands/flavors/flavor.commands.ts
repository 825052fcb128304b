import { randomUUID } from 'node:crypto';
import { Command, Option } from 'nest-commander';
import { FlavorExistsError, FlavorRepository, type Flavor } from '@nefos/database';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';

const flavorRow = (f: Flavor) => ({
  id: f.id,
  name: f.name,
  vcpus: f.vcpus,
  ram_mb: f.ramMb,
  disk_gb: f.diskGb,
  ephemeral_gb: f.ephemeralGb,
  swap_mb: f.swapMb,
  public: f.isPublic,
  disabled: f.disabled,
  deleted: f.deletedAt,
});
const COLUMNS = ['id', 'name', 'vcpus', 'ram_mb', 'disk_gb', 'ephemeral_gb', 'swap_mb', 'public'];

function whole(flag: string, min: number): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > 2_147_483_647) {
      throw new CommandError(`${flag} must be a whole number of at least ${min}, got '${v}'`);
    }
    return Number(v);
  };
}

interface FlavorCreateOptions extends JsonOption {
  vcpus?: string;
  ram?: string;
  disk?: string;
  id?: string;
  ephemeral?: string;
  swap?: string;
  private?: boolean;
}

@Command({
  name: 'flavor-create',
  arguments: '<name>',
  description: 'create a flavor (vCPUs, RAM in MiB, disk in GiB) users can boot servers with',
})
export class FlavorCreateCommand extends BaseCommand<FlavorCreateOptions> {
  constructor(private readonly flavors: FlavorRepository) {
    super();
  }

  protected async execute([name]: string[], o: FlavorCreateOptions, out: Output): Promise<void> {
    // Options are checked here, not in their parsers: an error thrown there would not set the
    // exit code.
    for (const flag of ['vcpus', 'ram', 'disk'] as const) {
      if (o[flag] === undefined) throw new CommandError(`--${flag} is required`);
    }
    const opt = (v: string | undefined, flag: string, min: number): number | undefined =>
      v === undefined ? undefined : whole(flag, min)(v);
    if (o.id !== undefined && !/^(?! )[\w. -]{1,255}(?<! )$/.test(o.id)) {
      throw new CommandError(`invalid flavor id '${o.id}'`);
    }
    if (!/^(?! )[\w. -]{1,255}(?<! )$/.test(name)) {
      throw new CommandError(
        'the name must be 1-255 letters, digits, ".", "_", "-" or inner spaces',
      );
    }
    try {
      const flavor = await this.flavors.create({
        id: o.id ?? randomUUID(),
        name,
        vcpus: opt(o.vcpus, '--vcpus', 1)!,
        ramMb: opt(o.ram, '--ram', 1)!,
        diskGb: opt(o.disk, '--disk', 0)!,
        ephemeralGb: opt(o.ephemeral, '--ephemeral', 0),
        swapMb: opt(o.swap, '--swap', 0),
        isPublic: !o.private,
      });
      out.object(flavorRow(flavor));
    } catch (err) {
      if (err instanceof FlavorExistsError) throw new CommandError(err.message);
      throw err;
    }
  }

  @Option({ flags: '--vcpus <n>', description: 'virtual CPUs (required)' })
  parseVcpus(v: string): string {
    return v;
  }

  @Option({ flags: '--ram <MiB>', description: 'memory in MiB (required)' })
  parseRam(v: string): string {
    return v;
  }

  @Option({ flags: '--disk <GiB>', description: 'root disk in GiB (required)' })
  parseDisk(v: string): string {
    return v;
  }

  @Option({ flags: '--id <id>', description: 'flavor id (default: a new UUID)' })
  parseId(v: string): string {
    return v;
  }

  @Option({ flags: '--ephemeral <GiB>', description: 'ephemeral disk in GiB (default 0)' })
  parseEphemeral(v: string): string {
    return v;
  }

  @Option({ flags: '--swap <MiB>', description: 'swap in MiB (default 0)' })
  parseSwap(v: string): string {
    return v;
  }

  @Option({ flags: '--private', description: 'only for projects given access (default: public)' })
  parsePrivate(): boolean {
    return true;
  }
}

@Command({ name: 'flavor-list', description: 'list flavors (public and private)' })
export class FlavorListCommand extends BaseCommand {
  constructor(private readonly flavors: FlavorRepository) {
    super();
  }

  protected async execute(_args: string[], _o: JsonOption, out: Output): Promise<void> {
    const rows = await this.flavors.list({ limit: 100_000 });
    out.list(rows.map(flavorRow), COLUMNS);
  }
}

@Command({
  name: 'flavor-delete',
  arguments: '<flavor>',
  description: 'delete a flavor (id or name); servers built with it keep it',
})
export class FlavorDeleteCommand extends BaseCommand {
  constructor(private readonly flavors: FlavorRepository) {
    super();
  }

  protected async execute([ref]: string[], _o: JsonOption, out: Output): Promise<void> {
    const flavor = (await this.flavors.find(ref)) ?? (await this.flavors.findByName(ref));
    if (!flavor) throw new CommandError(`no flavor with id or name '${ref}'`);
    await this.flavors.softDelete(flavor.id);
    out.message(`Deleted flavor ${flavor.name} (${flavor.id})`);
  }
}
