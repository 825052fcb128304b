import { Inject, Injectable } from '@nestjs/common';
import { NEFOS_CONFIG, NEFOS_LOGGER, type Logger, type NefosConfig } from '@nefos/contracts';
import {
  BackendPlacementRepository,
  type Backend,
  type PlacementDemand,
  type Prisma,
} from '@nefos/database';
import { CapacityService } from '../admin/inventory/capacity.service';
import { noHostReason, rank } from './allocation-policy';

/** Before refusing a server for lack of room, figures older than this are read again. */
const RECHECK_AGE_MS = 2000;

export type Placement =
  | { placed: true; backend: Backend; score: number | null }
  | { placed: false; reason: string; serverGone?: boolean };

/**
 * Chooses the backend of each new server (Synnefo's allocator): among the online, undrained
 * backends the project may use, those whose free memory and disk hold the flavor, the one with
 * the lowest load score. Figures older than NEFOS_ALLOCATOR_CAPACITY_MAX_AGE are read again
 * through RAPI first; each placement then takes its share off the chosen backend at once, under
 * the candidates' row locks, so a burst of creates spreads and never oversubscribes a backend.
 * Inside a backend, its master (or Ganeti's iallocator) picks the node.
 */
@Injectable()
export class BackendAllocator {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: BackendPlacementRepository,
    private readonly capacity: CapacityService,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
  ) {}

  /** Places the (already inserted, not yet placed) server on a backend, or says why not. */
  async place(projectId: string, serverId: string, demand: PlacementDemand): Promise<Placement> {
    const maxAgeMs = this.config.compute.allocatorCapacityMaxAgeSeconds * 1000;
    const candidates = await this.repo.candidates(projectId);
    await this.capacity.refreshOlderThan(candidates, maxAgeMs);
    const first = await this.tryPlace(projectId, serverId, demand);
    if (first.placed || first.serverGone || candidates.length === 0) return first;
    // Between reads the figures are an estimate that only goes down (a deleted server's room
    // comes back with the next read): read them again before refusing anyone.
    const reread = await this.capacity.refreshOlderThan(candidates, RECHECK_AGE_MS);
    return reread.some((r) => r.ok) ? this.tryPlace(projectId, serverId, demand) : first;
  }

  /**
   * One placement transaction at a time per process: concurrent creates wait here rather than on
   * the candidates' row locks, where each waiter would hold a pooled database connection that the
   * other creates need (the row locks still order placements across API replicas).
   */
  private tryPlace(
    projectId: string,
    serverId: string,
    demand: PlacementDemand,
  ): Promise<Placement> {
    const run = this.turn.then(() => this.placeLocked(projectId, serverId, demand));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private placeLocked(
    projectId: string,
    serverId: string,
    demand: PlacementDemand,
  ): Promise<Placement> {
    return this.repo.transaction(async (tx) => {
      const candidates = await this.repo.lockCandidates(tx, projectId);
      const [best] = rank(candidates, demand);
      if (!best) return { placed: false, reason: noHostReason(candidates, demand) };
      if (!(await this.repo.take(tx, best.backend.id, serverId, demand))) {
        return { placed: false, reason: 'the server was deleted', serverGone: true };
      }
      this.log.debug(
        { serverId, backend: best.backend.name, score: best.score, candidates: candidates.length },
        'server placed',
      );
      return { placed: true, backend: best.backend, score: best.score };
    });
  }

  /** Gives the placement back when its create never reached the backend. */
  giveBack(
    tx: Prisma.TransactionClient,
    backendId: string,
    demand: PlacementDemand,
  ): Promise<void> {
    return this.repo.giveBack(tx, backendId, demand);
  }
}
