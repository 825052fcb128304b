import { Command, Option } from 'nest-commander';
import { BackendAdminService } from '../../../src/admin/backends/backend-admin.service';
import { backendView, type BackendView } from '../../../src/admin/backends/backend.view';
import { CapacityService } from '../../../src/admin/inventory/capacity.service';
import { FleetRepository } from '../../../src/admin/inventory/fleet.repository';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';
import { readSecretFile, yesNo } from './options';

const COLUMNS = [
  'name',
  'url',
  'hypervisor',
  'drained',
  'offline',
  'nodes',
  'cpus',
  'mem_free',
  'disk_free',
  'instances',
  'access',
  'heartbeat',
];

function row(b: BackendView): Record<string, unknown> {
  return {
    name: b.name,
    url: b.rapiUrl,
    hypervisor: b.hypervisor,
    drained: b.drained,
    offline: b.offline,
    access: b.public
      ? 'public'
      : b.projects.length
        ? `projects ${b.projects.join(',')}`
        : 'private (no project)',
    nodes: b.nodes?.length ?? 0,
    cpus: `${b.cpusFree}/${b.cpus}`,
    mem_free: `${b.memoryFreeMib}/${b.memoryMib} MiB`,
    disk_free: `${b.diskFreeMib}/${b.diskMib} MiB`,
    instances: b.instances,
    heartbeat: b.lastHeartbeatAt
      ? `${b.lastHeartbeatOk ? 'ok' : 'FAILED'} ${b.lastHeartbeatAt}`
      : null,
  };
}

interface ConnectionOptions extends JsonOption {
  url?: string;
  user?: string;
  password?: string;
  passwordFile?: string;
  hypervisor?: string;
  drained?: string;
  offline?: string;
  public?: string;
  project?: string[];
  unpin?: string[];
  check?: boolean;
}

/** The options backend-add and backend-modify share. */
abstract class BackendConnectionCommand extends BaseCommand<ConnectionOptions> {
  protected password(o: ConnectionOptions): string | undefined {
    if (o.password && o.passwordFile)
      throw new CommandError('give --password or --password-file, not both');
    return o.passwordFile ? readSecretFile(o.passwordFile) : o.password;
  }

  @Option({
    flags: '--url <url>',
    description: "the cluster's RAPI, e.g. https://cluster.example.com:5080",
  })
  parseUrl(v: string): string {
    return v;
  }

  @Option({ flags: '--user <user>', description: 'RAPI user with write access' })
  parseUser(v: string): string {
    return v;
  }

  @Option({
    flags: '--password <password>',
    description: 'RAPI password (visible to other local users: prefer --password-file)',
  })
  parsePassword(v: string): string {
    return v;
  }

  @Option({
    flags: '--password-file <file>',
    description: 'read the RAPI password from the first line of a file',
  })
  parsePasswordFile(v: string): string {
    return v;
  }

  @Option({
    flags: '--hypervisor <name>',
    description: 'hypervisor of the cluster (kvm, qemu, fake, ...)',
  })
  parseHypervisor(v: string): string {
    return v;
  }

  // Flags are checked in execute(): an error thrown while commander parses exits 0.
  @Option({ flags: '--drained <yes|no>', description: 'drained: no new servers are placed on it' })
  parseDrained(v: string): string {
    return v;
  }

  @Option({ flags: '--offline <yes|no>', description: 'offline: Nefos does not contact it at all' })
  parseOffline(v: string): string {
    return v;
  }

  @Option({
    flags: '--public <yes|no>',
    description:
      'public: any project may get servers here; no: only the projects it is pinned to (--project)',
  })
  parsePublic(v: string): string {
    return v;
  }

  @Option({
    flags: '--project <project>',
    description:
      'pin the backend to this project (id, or a name no other domain uses); repeat for several. Pinning makes a new backend private unless --public yes',
  })
  parseProject(v: string, previous: string[] = []): string[] {
    return [...previous, v];
  }

  @Option({
    flags: '--no-check',
    description: 'do not check that the RAPI answers with these credentials',
  })
  parseNoCheck(): boolean {
    return false;
  }
}

@Command({
  name: 'backend-add',
  arguments: '<name>',
  description:
    'add a backend (a Ganeti or Nefos cluster reached over RAPI); its RAPI is checked first unless --no-check',
})
export class BackendAddCommand extends BackendConnectionCommand {
  constructor(
    private readonly backends: BackendAdminService,
    private readonly fleet: FleetRepository,
  ) {
    super();
  }

  protected async execute([name]: string[], o: ConnectionOptions, out: Output): Promise<void> {
    if (!o.url) throw new CommandError('--url is required');
    const password = this.password(o);
    if (!password) throw new CommandError('--password or --password-file is required');
    const { refresh } = await this.backends.add(
      {
        name,
        rapiUrl: o.url,
        rapiUser: o.user ?? 'nefos',
        rapiPassword: password,
        hypervisor: o.hypervisor,
        drained: yesNo('--drained', o.drained),
        offline: yesNo('--offline', o.offline),
        public: yesNo('--public', o.public),
        projects: o.project,
      },
      o.check !== false,
    );
    const added = await this.fleet.backend(name);
    out.object({
      ...row(backendView(added!)),
      capacity: refresh
        ? refresh.ok
          ? `${refresh.nodes} nodes read`
          : `not read: ${refresh.error}`
        : 'offline: not read',
    });
  }
}

@Command({
  name: 'backend-modify',
  arguments: '<name>',
  description:
    'change a backend: RAPI address or credentials, hypervisor, --drained yes|no, --offline yes|no, --public yes|no, --project/--unpin <project>',
})
export class BackendModifyCommand extends BackendConnectionCommand {
  constructor(
    private readonly backends: BackendAdminService,
    private readonly fleet: FleetRepository,
  ) {
    super();
  }

  protected async execute([name]: string[], o: ConnectionOptions, out: Output): Promise<void> {
    const changes = {
      rapiUrl: o.url,
      rapiUser: o.user,
      rapiPassword: this.password(o),
      hypervisor: o.hypervisor,
      drained: yesNo('--drained', o.drained),
      offline: yesNo('--offline', o.offline),
      public: yesNo('--public', o.public),
      pin: o.project,
      unpin: o.unpin,
    };
    if (Object.values(changes).every((v) => v === undefined)) {
      throw new CommandError(
        'nothing to change: give --url, --user, --password(-file), --hypervisor, --drained, --offline, --public, --project or --unpin',
      );
    }
    await this.backends.modify(name, changes, o.check !== false);
    out.object(row(backendView((await this.fleet.backend(name))!)));
  }

  @Option({
    flags: '--unpin <project>',
    description: 'unpin this project (id or name); repeat for several',
  })
  parseUnpin(v: string, previous: string[] = []): string[] {
    return [...previous, v];
  }
}

interface ListOptions extends JsonOption {
  cached?: boolean;
}

@Command({
  name: 'backend-list',
  description:
    'list the backends (clusters) servers can be placed on, with capacity re-read through RAPI when older than NEFOS_CAPACITY_MAX_AGE',
})
export class BackendListCommand extends BaseCommand<ListOptions> {
  constructor(
    private readonly fleet: FleetRepository,
    private readonly capacity: CapacityService,
  ) {
    super();
  }

  protected async execute(_args: string[], o: ListOptions, out: Output): Promise<void> {
    if (!o.cached) {
      for (const r of await this.capacity.refreshStale()) {
        if (!r.ok) process.stderr.write(`warning: capacity of ${r.backend} not read: ${r.error}\n`);
      }
    }
    const list = (await this.fleet.backends()).map(backendView);
    if (o.json) out.list(list as unknown as Array<Record<string, unknown>>);
    else out.list(list.map(row), COLUMNS);
  }

  @Option({
    flags: '--cached',
    description: 'show the capacity as last read, without asking the backends',
  })
  parseCached(): boolean {
    return true;
  }
}

@Command({
  name: 'backend-remove',
  arguments: '<name>',
  description:
    'remove a backend that holds no live servers (drain it and move or delete them first)',
})
export class BackendRemoveCommand extends BaseCommand {
  constructor(private readonly backends: BackendAdminService) {
    super();
  }

  protected async execute([name]: string[], _o: JsonOption, out: Output): Promise<void> {
    await this.backends.remove(name);
    out.message(`Removed backend ${name}`);
  }
}
