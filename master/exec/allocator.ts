import { OpPrereqError } from '../common/ganeti-errors';
import type { ClusterConfigData, NodeConfig } from '../cluster/cluster-config.types';
import type { NodeRegistry } from '../nodes/node.registry';
import type { DiskStore } from '../storage/disk.store';
import { fillBeparams } from './opcodes/params';

export interface NodeCapacity {
  mtotal: number | null;
  mfree: number | null;
  /** Memory of the node's instances that are (meant to be) running. */
  mreserved: number;
  dtotal: number | null;
  dfree: number | null;
  ctotal: number | null;
  instances: number;
}

export interface Demand {
  memoryMiB: number;
  diskMiB: number;
}

/**
 * Places instances: memory and CPUs come from libvirt, minus what the node's instances reserve
 * (and creates still in flight); disks count against the storage dir. Picks the node with the
 * most memory left, so load spreads; drained and offline nodes take nothing new.
 */
export class Allocator {
  private readonly inflight = new Map<number, { node: string } & Demand>();
  private nextTicket = 1;

  constructor(
    private readonly nodes: NodeRegistry,
    private readonly disks: DiskStore,
  ) {}

  capacity(c: Readonly<ClusterConfigData>, node: NodeConfig): NodeCapacity {
    const live = this.nodes.last(node.name);
    const own = Object.values(c.instances).filter((i) => i.pnode === node.name);
    const mreserved = own
      .filter((i) => i.admin_state === 'up')
      .reduce((sum, i) => sum + fillBeparams(c.cluster, i.beparams).maxmem, 0);
    const dused = own.reduce((sum, i) => sum + i.disks.reduce((s, d) => s + d.size, 0), 0);
    const pending = [...this.inflight.values()].filter((r) => r.node === node.name);
    const pmem = pending.reduce((s, r) => s + r.memoryMiB, 0);
    const pdisk = pending.reduce((s, r) => s + r.diskMiB, 0);
    let dtotal: number | null = null;
    let dfree: number | null = null;
    try {
      const space = this.disks.space(node.name);
      dtotal = space.totalMiB;
      dfree = Math.max(0, Math.min(space.freeMiB, space.totalMiB - dused) - pdisk);
    } catch {
      // storage dir unreadable: unknown
    }
    const mtotal = live?.host?.memoryMiB ?? null;
    return {
      mtotal,
      mfree: mtotal === null ? null : Math.max(0, mtotal - mreserved - pmem),
      mreserved,
      dtotal,
      dfree,
      ctotal: live?.host?.cpus ?? null,
      instances: own.length,
    };
  }

  /** Chooses a node and holds its resources until `release` (the create commits or fails). */
  allocate(c: Readonly<ClusterConfigData>, demand: Demand): { node: string; release: () => void } {
    const reasons: string[] = [];
    let best: { node: NodeConfig; free: number; count: number } | null = null;
    for (const node of Object.values(c.nodes).sort((a, b) => a.name.localeCompare(b.name))) {
      if (node.offline || node.drained || !node.vm_capable) {
        reasons.push(
          `${node.name}: ${node.offline ? 'offline' : node.drained ? 'drained' : 'not vm_capable'}`,
        );
        continue;
      }
      const live = this.nodes.last(node.name);
      if (!live?.reachable) {
        reasons.push(`${node.name}: unreachable`);
        continue;
      }
      const cap = this.capacity(c, node);
      if (cap.mfree !== null && cap.mfree < demand.memoryMiB) {
        reasons.push(`${node.name}: not enough memory (${cap.mfree} MiB free)`);
        continue;
      }
      if (cap.dfree !== null && cap.dfree < demand.diskMiB) {
        reasons.push(`${node.name}: not enough disk (${cap.dfree} MiB free)`);
        continue;
      }
      const free = cap.mfree ?? 0;
      if (!best || free > best.free || (free === best.free && cap.instances < best.count)) {
        best = { node, free, count: cap.instances };
      }
    }
    if (!best) {
      throw new OpPrereqError(
        `No node can host the instance (${demand.memoryMiB} MiB memory, ${demand.diskMiB} MiB disk): ${reasons.join('; ') || 'no nodes'}`,
        'insufficient_resources',
      );
    }
    return { node: best.node.name, release: this.hold(best.node.name, demand) };
  }

  /** Holds resources on a node chosen by the caller (a create with an explicit `pnode`). */
  hold(node: string, demand: Demand): () => void {
    const ticket = this.nextTicket++;
    this.inflight.set(ticket, { node, ...demand });
    return () => this.inflight.delete(ticket);
  }
}
