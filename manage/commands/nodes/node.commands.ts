import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import { NEFOS_LOGGER, type Logger, type RapiNode } from '@nefos/contracts';
import { BackendAdminService } from '../../../src/admin/backends/backend-admin.service';
import { CapacityService } from '../../../src/admin/inventory/capacity.service';
import { FleetRepository } from '../../../src/admin/inventory/fleet.repository';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import { yesNo } from '../backends/options';
import type { Output } from '../../output/output';

const ROLE: Record<string, string> = {
  M: 'master',
  C: 'candidate',
  R: 'regular',
  D: 'drained',
  O: 'offline',
};

interface NodeListOptions extends JsonOption {
  backend?: string;
}

/**
 * `node-list`: every node of every online backend, read live through RAPI (`GET /2/nodes?bulk=1`,
 * as `gnt-node list`), and stored as the backend's capacity on the way.
 */
@Command({
  name: 'node-list',
  description: 'list the nodes of every online backend, read live through RAPI',
})
export class NodeListCommand extends BaseCommand<NodeListOptions> {
  constructor(
    private readonly fleet: FleetRepository,
    private readonly backends: BackendAdminService,
    private readonly capacity: CapacityService,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
  ) {
    super();
  }

  protected async execute(_args: string[], o: NodeListOptions, out: Output): Promise<void> {
    const all = o.backend ? [await this.backends.get(o.backend)] : await this.fleet.backends();
    const rows: Array<Record<string, unknown>> = [];
    const failed: string[] = [];
    for (const b of all) {
      if (b.offline) {
        if (o.backend) throw new CommandError(`backend ${b.name} is offline`);
        continue;
      }
      let nodes: RapiNode[];
      try {
        nodes = await this.backends.liveNodes(b.name);
      } catch (err) {
        failed.push(`${b.name}: ${(err as Error).message}`);
        continue;
      }
      await this.capacity
        .refresh(b)
        .catch((err: Error) => this.log.warn({ err: err.message }, 'capacity not stored'));
      for (const n of nodes) {
        rows.push({
          backend: b.name,
          node: n.name,
          role: ROLE[n.role] ?? n.role,
          drained: n.drained,
          offline: n.offline,
          cpus: n.ctotal,
          mtotal: n.mtotal,
          mfree: n.mfree,
          dtotal: n.dtotal,
          dfree: n.dfree,
          instances: n.pinst_cnt,
        });
      }
    }
    out.list(rows, [
      'backend',
      'node',
      'role',
      'drained',
      'offline',
      'cpus',
      'mtotal',
      'mfree',
      'dtotal',
      'dfree',
      'instances',
    ]);
    if (failed.length > 0) throw new CommandError(`could not read: ${failed.join('; ')}`);
  }

  @Option({ flags: '--backend <name>', description: 'only this backend' })
  parseBackend(v: string): string {
    return v;
  }
}

interface NodeModifyOptions extends JsonOption {
  drained?: string;
  offline?: string;
}

/** `node-modify <backend> <node> --drained yes|no --offline yes|no`, as `gnt-node modify -D/-O`. */
@Command({
  name: 'node-modify',
  arguments: '<backend> <node>',
  description:
    'drain a node (no new instances) or take it offline, through RAPI; waits for the job',
})
export class NodeModifyCommand extends BaseCommand<NodeModifyOptions> {
  constructor(private readonly backends: BackendAdminService) {
    super();
  }

  protected async execute(
    [backend, node]: string[],
    o: NodeModifyOptions,
    out: Output,
  ): Promise<void> {
    const flags = {
      drained: yesNo('--drained', o.drained),
      offline: yesNo('--offline', o.offline),
    };
    if (flags.drained === undefined && flags.offline === undefined) {
      throw new CommandError('give --drained yes|no and/or --offline yes|no');
    }
    // Like an API request, the change carries a request id into the job's reason trail.
    const requestId = `req-${randomUUID()}`;
    const r = await this.backends.setNodeFlags(backend, node, flags, requestId);
    if (r.jobStatus !== 'success')
      throw new CommandError(`job ${r.jobId} is still ${r.jobStatus}; follow it on the dashboard`);
    out.object({
      backend: r.backend,
      node: r.node,
      job: r.jobId,
      status: r.jobStatus,
      request_id: requestId,
      drained: r.current?.drained ?? null,
      offline: r.current?.offline ?? null,
    });
  }

  @Option({
    flags: '--drained <yes|no>',
    description: 'drained: no new instances are placed on it',
  })
  parseDrained(v: string): string {
    return v;
  }

  @Option({ flags: '--offline <yes|no>', description: 'offline: the master does not contact it' })
  parseOffline(v: string): string {
    return v;
  }
}
