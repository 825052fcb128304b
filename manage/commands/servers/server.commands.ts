import { Command, Option } from 'nest-commander';
import { OperState } from '@nefos/contracts';
import {
  AdminServersService,
  type AdminServer,
} from '../../../src/admin/servers/admin-servers.service';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import { parsePositive } from '../backends/options';
import { jsonReplacer, type Output } from '../../output/output';

const STATES = Object.values(OperState) as string[];

interface ServerListOptions extends JsonOption {
  state?: string;
  backend?: string;
  node?: string;
  project?: string;
  user?: string;
  task?: string;
  search?: string;
  stuck?: boolean;
  deleted?: boolean;
  limit?: string;
  marker?: string;
}

function row(s: AdminServer): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    task: s.task,
    stuck: s.stuck ? 'STUCK' : '',
    backend: s.backend,
    node: s.node,
    project: s.projectName ?? s.projectId,
    flavor: s.flavor,
    last_job:
      s.backendJobId !== null
        ? `${s.backendOpcode} #${s.backendJobId} ${s.backendJobStatus}`
        : null,
    updated: s.updatedAt,
  };
}

@Command({
  name: 'server-list',
  description:
    'list servers of every project, newest first (filters; --marker pages through thousands)',
})
export class ServerListCommand extends BaseCommand<ServerListOptions> {
  constructor(private readonly servers: AdminServersService) {
    super();
  }

  protected async execute(_args: string[], o: ServerListOptions, out: Output): Promise<void> {
    const state = o.state?.toUpperCase();
    if (state !== undefined && !STATES.includes(state)) {
      throw new CommandError(`--state takes one of ${STATES.join(', ')}`);
    }
    const page = await this.servers.list(
      {
        state: state as OperState | undefined,
        backend: o.backend,
        node: o.node,
        projectId: o.project,
        userId: o.user,
        task: o.task,
        q: o.search,
        stuck: o.stuck,
        deleted: o.deleted,
      },
      { limit: parsePositive('--limit', o.limit, 1000, 100), marker: o.marker },
    );
    if (o.json) {
      process.stdout.write(JSON.stringify(page, jsonReplacer, 2) + '\n');
      return;
    }
    out.list(page.servers.map(row), [
      'id',
      'name',
      'status',
      'task',
      'stuck',
      'backend',
      'node',
      'project',
      'flavor',
      'last_job',
      'updated',
    ]);
    const more = page.next ? `; next page: --marker ${page.next}` : '';
    process.stdout.write(`${page.servers.length} of ${page.total} shown${more}\n`);
  }

  @Option({ flags: '--state <state>', description: `operational state: ${STATES.join(', ')}` })
  parseState(v: string): string {
    return v;
  }

  @Option({ flags: '--backend <name>', description: 'only servers on this backend' })
  parseBackend(v: string): string {
    return v;
  }

  @Option({ flags: '--node <name>', description: 'only servers on this node' })
  parseNode(v: string): string {
    return v;
  }

  @Option({ flags: '--project <project>', description: 'project name or id' })
  parseProject(v: string): string {
    return v;
  }

  @Option({ flags: '--user <id>', description: 'user id' })
  parseUser(v: string): string {
    return v;
  }

  @Option({
    flags: '--task <task>',
    description: 'pending task (spawning, deleting, ...) or "any"',
  })
  parseTask(v: string): string {
    return v;
  }

  @Option({
    flags: '--search <text>',
    description: 'part of the name or instance name, or a full id',
  })
  parseSearch(v: string): string {
    return v;
  }

  @Option({
    flags: '--stuck',
    description: 'only servers in BUILD or with a task for longer than NEFOS_STUCK_AFTER',
  })
  parseStuck(): boolean {
    return true;
  }

  @Option({ flags: '--deleted', description: 'include deleted servers' })
  parseDeleted(): boolean {
    return true;
  }

  @Option({ flags: '--limit <n>', description: 'servers per page, 1-1000 (default 100)' })
  parseLimit(v: string): string {
    return v;
  }

  @Option({
    flags: '--marker <id>',
    description: 'start after this server (the "next page" of the previous call)',
  })
  parseMarker(v: string): string {
    return v;
  }
}

@Command({
  name: 'server-show',
  arguments: '<server>',
  description: 'show one server of any project (id, backend instance name, or unique name)',
})
export class ServerShowCommand extends BaseCommand {
  constructor(private readonly servers: AdminServersService) {
    super();
  }

  protected async execute([ref]: string[], _o: JsonOption, out: Output): Promise<void> {
    const s = await this.servers.get(ref);
    out.object({ ...s, fault: s.fault ? `${s.fault.code ?? ''} ${s.fault.message}`.trim() : null });
  }
}

interface InspectOptions extends JsonOption {
  jobs?: boolean;
}

@Command({
  name: 'server-inspect',
  arguments: '<server>',
  description:
    "the server's trail: each API request (request id) and the RAPI jobs, events and state changes it caused, with the jobs' op logs",
})
export class ServerInspectCommand extends BaseCommand<InspectOptions> {
  constructor(private readonly servers: AdminServersService) {
    super();
  }

  protected async execute([ref]: string[], o: InspectOptions, out: Output): Promise<void> {
    const t = await this.servers.trail(ref, o.jobs !== false);
    if (o.json) {
      process.stdout.write(JSON.stringify(t, jsonReplacer, 2) + '\n');
      return;
    }
    const s = t.server;
    const w = (line = ''): boolean => process.stdout.write(`${line}\n`);
    w(
      `server ${s.name} (${s.id})  ${s.status}${s.task ? `  task ${s.task}` : ''}${s.stuck ? '  STUCK' : ''}`,
    );
    w(
      `  ${s.backend ?? '-'} / ${s.node ?? '-'}  ${s.instanceName}  project ${s.projectName ?? s.projectId}`,
    );
    if (s.fault) w(`  fault: ${s.fault.code ?? ''} ${s.fault.message}`);
    if (t.truncated) w('  (trail cut to its newest lines)');
    for (const r of t.requests) {
      w();
      w(
        `${r.requestId ?? '(no request id)'}  ${r.firstAt} .. ${r.lastAt}  ${r.sources.join(' -> ')}`,
      );
      out.list(
        r.entries.map((e) => ({
          at: e.at,
          source: e.source,
          job: e.jobId,
          opcode: e.opcode,
          status: e.status,
          message: e.message,
        })),
        ['at', 'source', 'job', 'opcode', 'status', 'message'],
      );
    }
    if (t.requests.length === 0) w('\n(no trail recorded)');
    for (const j of t.jobs) {
      w();
      w(
        `job ${j.jobId}: ${j.status ?? 'unknown'}${j.summary ? `  ${j.summary.join(', ')}` : ''}${j.error ? `  (${j.error})` : ''}`,
      );
      for (const l of j.oplog) w(`  ${l.at}  ${l.message}`);
    }
  }

  @Option({ flags: '--no-jobs', description: "do not read the jobs' op logs from the backend" })
  parseNoJobs(): boolean {
    return false;
  }
}
