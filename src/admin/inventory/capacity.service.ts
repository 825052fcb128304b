import { Inject, Injectable } from '@nestjs/common';
import {
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  RapiClientFactory,
  type Logger,
  type NefosConfig,
  type RapiNode,
} from '@nefos/contracts';
import type { Backend } from '@nefos/database';
import { CapacityRepository, type BackendTotals } from './capacity.repository';

export interface RefreshResult {
  backend: string;
  ok: boolean;
  nodes: number;
  error?: string;
}

/**
 * Keeps backend and node capacity current: reads `GET /2/nodes?bulk=1` of each backend and stores
 * it, at most once per `NEFOS_CAPACITY_MAX_AGE` unless asked explicitly. Scrapes and the
 * dashboard call `refreshStale()`; concurrent callers share one read per backend.
 */
@Injectable()
export class CapacityService {
  private readonly inFlight = new Map<string, Promise<RefreshResult>>();
  private readonly lastAttempt = new Map<string, number>();
  /** When the last read of a backend failed (cleared by a successful one). */
  private readonly failedAt = new Map<string, number>();
  /** Set by the metrics module to count failed reads. */
  onFailure?: (backend: string) => void;

  constructor(
    private readonly repo: CapacityRepository,
    private readonly rapi: RapiClientFactory,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
  ) {}

  /** Refreshes every online backend whose figures are older than the configured age. */
  async refreshStale(): Promise<RefreshResult[]> {
    const maxAgeMs = this.config.ops.capacityMaxAgeSeconds * 1000;
    const backends = await this.repo.backendsToRefresh();
    const now = Date.now();
    const due = backends.filter((b) => now - (this.lastAttempt.get(b.id) ?? 0) >= maxAgeMs);
    return Promise.all(due.map((b) => this.refresh(b)));
  }

  /**
   * Re-reads the backends whose stored figures are older than `maxAgeMs` (the allocator's age),
   * judged by the time of the last successful read, which every API replica shares. A read that
   * failed is not tried again by this process before the same age has passed.
   */
  async refreshOlderThan(backends: Backend[], maxAgeMs: number): Promise<RefreshResult[]> {
    const now = Date.now();
    const due = backends.filter(
      (b) =>
        (b.capacityAt === null || now - b.capacityAt.getTime() >= maxAgeMs) &&
        now - (this.failedAt.get(b.id) ?? 0) >= maxAgeMs,
    );
    return Promise.all(due.map((b) => this.refresh(b)));
  }

  /** Reads the backend's nodes now (or joins a read already under way). */
  refresh(backend: Backend): Promise<RefreshResult> {
    const running = this.inFlight.get(backend.id);
    if (running) return running;
    this.lastAttempt.set(backend.id, Date.now());
    const p = this.read(backend).finally(() => this.inFlight.delete(backend.id));
    this.inFlight.set(backend.id, p);
    return p;
  }

  private async read(backend: Backend): Promise<RefreshResult> {
    try {
      const nodes = await this.rapi.forBackend(backend).listNodes();
      const allocated = await this.repo.allocatedVcpus(backend.id);
      await this.repo.store(backend.id, nodes, totalsOf(nodes, allocated));
      this.failedAt.delete(backend.id);
      return { backend: backend.name, ok: true, nodes: nodes.length };
    } catch (err) {
      this.failedAt.set(backend.id, Date.now());
      this.onFailure?.(backend.name);
      this.log.warn(
        { backend: backend.name, err: (err as Error).message },
        'could not read node capacity',
      );
      return { backend: backend.name, ok: false, nodes: 0, error: (err as Error).message };
    }
  }
}

/**
 * A backend's figures from its nodes: totals over the nodes that are not offline; free memory and
 * disk only over nodes that take new instances (neither offline nor drained), as the allocator
 * sees them. Free CPUs are the online CPUs minus the vCPUs of the servers placed there.
 */
export function totalsOf(nodes: RapiNode[], allocatedVcpus: number): BackendTotals {
  const online = nodes.filter((n) => !n.offline);
  const usable = online.filter((n) => !n.drained);
  const sum = (list: RapiNode[], f: (n: RapiNode) => number | null | undefined): number =>
    list.reduce((acc, n) => acc + (f(n) ?? 0), 0);
  const ctotal = sum(online, (n) => n.ctotal);
  return {
    ctotal,
    cfree: Math.max(0, sum(usable, (n) => n.ctotal) - allocatedVcpus),
    mtotal: sum(online, (n) => n.mtotal),
    mfree: sum(usable, (n) => n.mfree),
    dtotal: sum(online, (n) => n.dtotal),
    dfree: sum(usable, (n) => n.dfree),
    pinstCnt: sum(nodes, (n) => n.pinst_cnt),
  };
}
