import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '@nefos/contracts';
import { OpExecError } from '../common/ganeti-errors';
import type { NodeConfig } from '../cluster/cluster-config.types';
import type {
  DomainStatus,
  HostInfo,
  HypervisorConnection,
  HypervisorFactory,
} from '../virt/hypervisor.interface';

/** What a node looked like at the last contact. */
export interface NodeLive {
  reachable: boolean;
  host: HostInfo | null;
  domains: Map<string, DomainStatus>;
  error: string | null;
  at: number;
}

const TEST_NODE_CPUS = 16;
const TEST_NODE_MEMORY_KIB = 32 * 1024 * 1024;

/** A simulated host for libvirt's test driver: each node file is its own machine with its own state. */
export function testNodeXml(name: string): string {
  return [
    '<node>',
    `  <!-- simulated Nefos node ${name} -->`,
    `  <cpu><nodes>1</nodes><sockets>1</sockets><cores>${TEST_NODE_CPUS}</cores><threads>1</threads><mhz>2400</mhz><model>x86_64</model></cpu>`,
    `  <memory>${TEST_NODE_MEMORY_KIB}</memory>`,
    '</node>',
    '',
  ].join('\n');
}

/** The path inside a `test:///abs/path.xml` URI, or null for other drivers. */
export function testNodeFile(uri: string): string | null {
  const m = /^test:\/\/(\/.+\.xml)$/.exec(uri);
  return m ? m[1] : null;
}

/**
 * One libvirt connection per node, opened lazily and re-opened after a failure. The test
 * driver keeps its domains per connection, so a connection is never replaced while it works.
 */
export class NodeRegistry {
  private readonly conns = new Map<string, Promise<HypervisorConnection>>();
  private readonly live = new Map<string, NodeLive>();
  private readonly notes = new Map<string, { at: number; status: DomainStatus | null }>();

  constructor(
    private readonly factory: HypervisorFactory,
    private readonly logger: Logger,
  ) {}

  async connection(node: NodeConfig): Promise<HypervisorConnection> {
    let p = this.conns.get(node.name);
    if (p) {
      const c = await p.catch(() => null);
      if (c && c.uri === node.uri) return c;
      this.conns.delete(node.name);
    }
    const file = testNodeFile(node.uri);
    if (file && !existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, testNodeXml(node.name));
    }
    p = this.factory.connect(node.uri);
    this.conns.set(node.name, p);
    try {
      return await p;
    } catch (err) {
      this.conns.delete(node.name);
      this.markUnreachable(node.name, err);
      throw new OpExecError(
        `Node ${node.name} (${node.uri}) is unreachable: ${(err as Error).message}`,
      );
    }
  }

  /** Asks the node for its host info and domains; records the answer (or the failure). */
  async refresh(node: NodeConfig): Promise<NodeLive> {
    const started = Date.now();
    try {
      const conn = await this.connection(node);
      const [host, domains] = await Promise.all([conn.hostInfo(), conn.list()]);
      // What the master itself did while the list was being read is newer than the list.
      for (const [key, note] of this.notes) {
        if (note.at < started - 60000) this.notes.delete(key);
        else if (note.at >= started && key.startsWith(`${node.name}/`)) {
          const name = key.slice(node.name.length + 1);
          if (note.status) domains.set(name, note.status);
          else domains.delete(name);
        }
      }
      const live: NodeLive = { reachable: true, host, domains, error: null, at: Date.now() };
      this.live.set(node.name, live);
      return live;
    } catch (err) {
      // A broken connection is dropped so that the next call reconnects.
      const c = await this.conns.get(node.name)?.catch(() => null);
      if (c && !testNodeFile(node.uri)) {
        this.conns.delete(node.name);
        await c.close().catch(() => undefined);
      }
      return this.markUnreachable(node.name, err);
    }
  }

  last(name: string): NodeLive | null {
    return this.live.get(name) ?? null;
  }

  /** Updates the cached state of one domain after the master acted on it. */
  noteDomain(node: string, name: string, status: DomainStatus | null): void {
    this.notes.set(`${node}/${name}`, { at: Date.now(), status });
    const live = this.live.get(node);
    if (!live) return;
    if (status) live.domains.set(name, status);
    else live.domains.delete(name);
  }

  forget(name: string): void {
    const p = this.conns.get(name);
    this.conns.delete(name);
    this.live.delete(name);
    void p?.then((c) => c.close()).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close()).catch(() => undefined)));
  }

  private markUnreachable(name: string, err: unknown): NodeLive {
    const prev = this.live.get(name);
    const live: NodeLive = {
      reachable: false,
      host: prev?.host ?? null,
      domains: new Map(),
      error: (err as Error).message,
      at: Date.now(),
    };
    if (prev?.reachable !== false)
      this.logger.warn({ node: name, err: live.error }, 'node unreachable');
    this.live.set(name, live);
    return live;
  }
}
