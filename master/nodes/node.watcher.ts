import type { Logger } from '@nefos/contracts';
import { OpCode } from '@nefos/contracts';
import type { ClusterConfigStore } from '../cluster/cluster-config.store';
import type { LockManager } from '../exec/lock.manager';
import { instanceStatus } from '../query/cluster.query';
import type { NodeRegistry } from './node.registry';
import { buildOpInput } from '../exec/opcodes/opcode.registry';
import type { OpInput } from '../queue/job.types';

/**
 * Every few seconds, asks each node what runs and compares it with the admin state: a guest that
 * powered itself off shows as USER_down (its admin state follows, through a shutdown job, when
 * the cluster has user shutdown enabled) or ERROR_down; an unreachable node makes its
 * instances ERROR_nodedown. Changes are logged; the status map feeds the metrics.
 */
export class NodeWatcher {
  private timer: NodeJS.Timeout | null = null;
  private statuses = new Map<string, string>();
  private running = false;

  constructor(
    private readonly config: ClusterConfigStore,
    private readonly nodes: NodeRegistry,
    private readonly locks: LockManager,
    private readonly submit: (inputs: OpInput[]) => number,
    private readonly logger: Logger,
    private readonly intervalSeconds: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Latest status of every instance (for metrics). */
  snapshot(): Map<string, string> {
    return this.statuses;
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const c = this.config.get();
      await Promise.all(
        Object.values(c.nodes)
          .filter((n) => !n.offline)
          .map((n) => this.nodes.refresh(n)),
      );
      const next = new Map<string, string>();
      const held = this.locks.snapshot();
      for (const inst of Object.values(this.config.get().instances)) {
        // An op on the instance explains any change: only changes nobody asked for are reported.
        const busy = held[`instance/${inst.name}`];
        const st = instanceStatus(inst, c.nodes[inst.pnode], this.nodes).status;
        next.set(inst.name, st);
        const before = this.statuses.get(inst.name);
        if (before && before !== st && !busy) {
          this.logger.info(
            { instance: inst.name, from: before, to: st },
            'instance state changed outside the master',
          );
          if (before === 'running' && st === 'ERROR_down' && c.cluster.enabled_user_shutdown) {
            this.recordUserShutdown(inst.name);
          }
        }
      }
      this.statuses = next;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'watcher round failed');
    } finally {
      this.running = false;
    }
  }

  /** The guest shut itself down: a shutdown job records it, so the API's server becomes SHUTOFF. */
  private recordUserShutdown(name: string): void {
    const id = this.submit([
      buildOpInput(
        OpCode.InstanceShutdown,
        { instance_name: name, timeout: 0, admin_state_source: 'user' },
        { source: 'gnt:watcher' },
      ),
    ]);
    this.logger.info({ instance: name, job: id }, 'guest powered itself off; recording USER_down');
  }
}
