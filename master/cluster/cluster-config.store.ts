import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../common/atomic-file';
import { unixNow } from '../common/ganeti-time';
import type { ClusterConfigData, ClusterSettings } from './cluster-config.types';

export const DEFAULT_GROUP = 'default';

/**
 * The cluster configuration, held in memory and replaced atomically on disk on every change.
 * Node's event loop serialises the synchronous `update` calls, so no lock is needed around it.
 */
export class ClusterConfigStore {
  private data: ClusterConfigData | null = null;
  /** Commit records to drop with the next write (see `forgetCommits`). */
  private readonly forgettable = new Set<string>();

  constructor(readonly file: string) {}

  exists(): boolean {
    return existsSync(this.file);
  }

  load(): ClusterConfigData {
    const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as ClusterConfigData;
    if (parsed.version !== 1) throw new Error(`${this.file}: unknown config version`);
    parsed.committed ??= {};
    this.data = parsed;
    return parsed;
  }

  /** Creates a new, empty cluster (Ganeti's `gnt-cluster init`). */
  init(settings: Omit<ClusterSettings, 'uuid' | 'ctime' | 'mtime' | 'serial_no' | 'tags'>): void {
    const now = unixNow();
    const groupUuid = randomUUID();
    this.data = {
      version: 1,
      cluster: { ...settings, uuid: randomUUID(), ctime: now, mtime: now, serial_no: 1, tags: [] },
      nodes: {},
      groups: {
        [DEFAULT_GROUP]: {
          name: DEFAULT_GROUP,
          uuid: groupUuid,
          alloc_policy: 'preferred',
          ndparams: {},
          ipolicy: {},
          diskparams: {},
          networks: {},
          ctime: now,
          mtime: now,
          serial_no: 1,
          tags: [],
        },
      },
      networks: {},
      instances: {},
      committed: {},
    };
    this.save();
  }

  get(): Readonly<ClusterConfigData> {
    if (!this.data) throw new Error('cluster configuration not loaded');
    return this.data;
  }

  /**
   * Applies `mutate` and writes the whole file. With `commit`, records the op's result in the
   * same write, so the op's effect and "it finished" land together.
   */
  update<T>(mutate: (c: ClusterConfigData) => T, commit?: { key: string; result: unknown }): T {
    const data = structuredClone(this.get()) as ClusterConfigData;
    const out = mutate(data);
    for (const k of this.forgettable) delete data.committed[k];
    this.forgettable.clear();
    if (commit) data.committed[commit.key] = commit.result ?? null;
    data.cluster.serial_no += 1;
    data.cluster.mtime = unixNow();
    this.write(data);
    this.data = data;
    return out;
  }

  /**
   * Drops commit records of ops that are final in the queue, with the next write rather than one
   * of its own (a whole-file write per finished op, as long as the config is big): recovery only
   * reads the record of an op its job file still shows running, and forgets the rest at start.
   */
  forgetCommits(keys: string[]): void {
    for (const k of keys) if (k in this.get().committed) this.forgettable.add(k);
  }

  private save(): void {
    this.write(this.get() as ClusterConfigData);
  }

  private write(data: ClusterConfigData): void {
    writeFileAtomic(this.file, JSON.stringify(data, null, 1) + '\n');
  }
}

/** Bumps an object's serial and mtime, as Ganeti does on every change. */
export function touch(o: { serial_no: number; mtime: number }): void {
  o.serial_no += 1;
  o.mtime = unixNow();
}
