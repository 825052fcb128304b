import { Command, Option } from 'nest-commander';
import {
  IdentityAdmin,
  IdentityError,
  InvalidQuotaError,
  QUOTA_RESOURCES,
  QuotaStore,
  type QuotaLimits,
  type QuotaUsageReport,
} from '@nefos/database';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';

/** Runs a quota command; unknown projects and refused limits are plain CLI errors. */
abstract class QuotaCommand<O extends JsonOption> extends BaseCommand<O> {
  constructor(
    protected readonly admin: IdentityAdmin,
    protected readonly quotas: QuotaStore,
  ) {
    super();
  }

  protected abstract act(args: string[], options: O, out: Output): Promise<void>;

  protected async execute(args: string[], options: O, out: Output): Promise<void> {
    try {
      await this.act(args, options, out);
    } catch (err) {
      if (err instanceof IdentityError || err instanceof InvalidQuotaError) {
        throw new CommandError(err.message);
      }
      throw err;
    }
  }

  protected show(out: Output, usage: QuotaUsageReport): void {
    out.list(
      QUOTA_RESOURCES.map((r) => ({
        resource: r,
        limit: usage[r].limit,
        in_use: usage[r].inUse,
        reserved: usage[r].reserved,
      })),
      ['resource', 'limit', 'in_use', 'reserved'],
    );
  }
}

type QuotaSetOptions = JsonOption & { force?: boolean } & Partial<Record<string, string>>;

/** `--key-pairs` -> `keyPairs` (as commander names it) for every resource. */
const optionKey = (resource: string): string =>
  resource.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

@Command({
  name: 'quota-set',
  arguments: '<project>',
  description:
    'set limits of a project (-1 is unlimited); a limit below current usage needs --force',
})
export class QuotaSetCommand extends QuotaCommand<QuotaSetOptions> {
  constructor(admin: IdentityAdmin, quotas: QuotaStore) {
    super(admin, quotas);
  }

  protected async act([ref]: string[], o: QuotaSetOptions, out: Output): Promise<void> {
    const limits: Partial<QuotaLimits> = {};
    for (const r of QUOTA_RESOURCES) {
      const raw = o[optionKey(r)];
      if (raw === undefined) continue;
      if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) {
        throw new CommandError(`--${r.replace(/_/g, '-')} needs a whole number (-1 is unlimited)`);
      }
      limits[r] = Number(raw);
    }
    if (Object.keys(limits).length === 0) {
      throw new CommandError(
        `nothing to set: give one of ${QUOTA_RESOURCES.map((r) => `--${r.replace(/_/g, '-')}`).join(', ')}`,
      );
    }
    const project = await this.admin.findProject(ref);
    await this.quotas.setLimits(project.id, limits, { force: Boolean(o.force) });
    this.show(out, await this.quotas.usage(project.id));
  }

  @Option({ flags: '--instances <n>', description: 'servers' })
  parseInstances(v: string): string {
    return v;
  }
  @Option({ flags: '--cores <n>', description: 'vCPUs' })
  parseCores(v: string): string {
    return v;
  }
  @Option({ flags: '--ram <mib>', description: 'memory in MiB' })
  parseRam(v: string): string {
    return v;
  }
  @Option({ flags: '--disk <gib>', description: 'disk in GiB' })
  parseDisk(v: string): string {
    return v;
  }
  @Option({ flags: '--key-pairs <n>', description: 'key pairs' })
  parseKeyPairs(v: string): string {
    return v;
  }
  @Option({ flags: '--metadata-items <n>', description: 'metadata items per server' })
  parseMetadataItems(v: string): string {
    return v;
  }
  @Option({ flags: '--networks <n>', description: 'private networks' })
  parseNetworks(v: string): string {
    return v;
  }
  @Option({ flags: '--floating-ips <n>', description: 'floating IPs' })
  parseFloatingIps(v: string): string {
    return v;
  }
  @Option({ flags: '--force', description: 'accept a limit below what is already used' })
  parseForce(): boolean {
    return true;
  }
}

type QuotaShowOptions = JsonOption & { defaults?: boolean };

@Command({
  name: 'quota-show',
  arguments: '[project]',
  description: 'show the limits, usage and reservations of a project (or --defaults)',
})
export class QuotaShowCommand extends QuotaCommand<QuotaShowOptions> {
  constructor(admin: IdentityAdmin, quotas: QuotaStore) {
    super(admin, quotas);
  }

  protected async act([ref]: string[], o: QuotaShowOptions, out: Output): Promise<void> {
    if (o.defaults) {
      const d = this.quotas.defaults();
      out.list(
        QUOTA_RESOURCES.map((r) => ({ resource: r, limit: d[r] })),
        ['resource', 'limit'],
      );
      return;
    }
    if (!ref) throw new CommandError('name a project, or give --defaults');
    const project = await this.admin.findProject(ref);
    this.show(out, await this.quotas.usage(project.id));
  }

  @Option({ flags: '--defaults', description: 'the configured defaults (NEFOS_QUOTA_*)' })
  parseDefaults(): boolean {
    return true;
  }
}

@Command({
  name: 'quota-reset',
  arguments: '<project>',
  description: "drop a project's own limits: the defaults apply again",
})
export class QuotaResetCommand extends QuotaCommand<JsonOption> {
  constructor(admin: IdentityAdmin, quotas: QuotaStore) {
    super(admin, quotas);
  }

  protected async act([ref]: string[], _o: JsonOption, out: Output): Promise<void> {
    const project = await this.admin.findProject(ref);
    await this.quotas.resetLimits(project.id);
    this.show(out, await this.quotas.usage(project.id));
  }
}
