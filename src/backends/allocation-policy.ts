import type { Backend, PlacementDemand } from '@nefos/database';

/** The figures of a backend the policy reads (`capacityAt` is null until read once through RAPI). */
export type BackendFigures = Pick<
  Backend,
  'name' | 'ctotal' | 'cfree' | 'mtotal' | 'mfree' | 'dtotal' | 'dfree' | 'capacityAt'
>;

export interface Ranked<B extends BackendFigures> {
  backend: B;
  /** Lower is better; `null` for a backend whose capacity was never read. */
  score: number | null;
}

/** A flavor's demand in RAPI's units (MiB). */
export function demandOf(flavor: {
  vcpus: number;
  ramMb: number;
  diskGb: number;
}): PlacementDemand {
  return { vcpus: flavor.vcpus, memoryMib: flavor.ramMb, diskMib: flavor.diskGb * 1024 };
}

/**
 * Free memory and disk hold the demand (CPUs are shared, so they only weigh in the score). A
 * figure the backend does not report (total 0, e.g. a Ganeti cluster without shared storage for
 * diskless instances) does not limit it: the backend's own allocator is the judge there.
 */
export function fits(b: BackendFigures, d: PlacementDemand): boolean {
  const memOk = b.mtotal === 0 || b.mfree >= d.memoryMib;
  const diskOk = b.dtotal === 0 || b.dfree >= d.diskMib;
  return memOk && diskOk;
}

/**
 * Synnefo's weighting, `0.5·cpu_ratio + 0.5·(mem_ratio + disk_ratio)`, of the load the backend
 * would carry with the new server: each ratio is the used share of the total after placing it.
 * CPU may be overcommitted, so its ratio can exceed 1; a total the backend does not report
 * weighs nothing (as in Synnefo).
 */
export function score(b: BackendFigures, d: PlacementDemand): number {
  const ratio = (total: number, free: number, add: number): number =>
    total > 0 ? (total - free + add) / total : 0;
  const cpu = ratio(b.ctotal, b.cfree, d.vcpus);
  const mem = ratio(b.mtotal, b.mfree, d.memoryMib);
  const disk = ratio(b.dtotal, b.dfree, d.diskMib);
  return 0.5 * cpu + 0.5 * (mem + disk);
}

/**
 * The candidates in the order the allocator tries them: those whose figures hold the demand,
 * lowest score first (name breaks ties, so the choice is repeatable); then, as a last resort,
 * backends whose capacity was never read (their RAPI has not answered yet), by name.
 */
export function rank<B extends BackendFigures>(candidates: B[], d: PlacementDemand): Ranked<B>[] {
  const known = candidates
    .filter((b) => b.capacityAt !== null && fits(b, d))
    .map((b) => ({ backend: b, score: score(b, d) }))
    .sort((x, y) => x.score - y.score || x.backend.name.localeCompare(y.backend.name));
  const unknown = candidates
    .filter((b) => b.capacityAt === null)
    .sort((x, y) => x.name.localeCompare(y.name))
    .map((b) => ({ backend: b, score: null }));
  return [...known, ...unknown];
}

/** Why no candidate took the server, in words an operator (and the user's fault) can act on. */
export function noHostReason(candidates: BackendFigures[], d: PlacementDemand): string {
  if (candidates.length === 0) {
    return 'No valid host was found. Every backend open to this project is drained or offline.';
  }
  return `No valid host was found. No backend has room for ${d.memoryMib} MiB of memory and ${d.diskMib} MiB of disk; try a smaller flavor or try again later.`;
}
