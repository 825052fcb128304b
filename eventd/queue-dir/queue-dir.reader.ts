import { promises as fs } from 'node:fs';
import { join } from 'node:path';

const JOB_FILE = /^job-(\d+)$/;

export interface JobFileStat {
  id: number;
  path: string;
  /** Modification time in milliseconds (with sub-millisecond precision). */
  mtimeMs: number;
  size: number;
}

/** The job id of a queue file name, or null for temp files, `serial`, locks and the like. */
export function jobIdFromFileName(name: string): number | null {
  const m = JOB_FILE.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Read access to a Ganeti job queue directory: live jobs in `<dir>/job-<id>`, archived ones in
 * `<dir>/archive/<id div 10000>/job-<id>`. Reads only; the master owns every file.
 */
export class QueueDirReader {
  constructor(readonly dir: string) {}

  async exists(): Promise<boolean> {
    try {
      return (await fs.stat(this.dir)).isDirectory();
    } catch {
      return false;
    }
  }

  archivePath(id: number): string {
    return join(this.dir, 'archive', String(Math.floor(id / 10000)), `job-${id}`);
  }

  livePath(id: number): string {
    return join(this.dir, `job-${id}`);
  }

  /** The job file's text and where it was found (live first, then the archive), or null. */
  async read(id: number): Promise<{ text: string; path: string; mtimeMs: number } | null> {
    for (const path of [this.livePath(id), this.archivePath(id)]) {
      try {
        const [text, st] = await Promise.all([fs.readFile(path, 'utf8'), fs.stat(path)]);
        return { text, path, mtimeMs: st.mtimeMs };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return null;
  }

  /** Live job files changed at or after `sinceMs` (all of them for 0). */
  async liveJobs(sinceMs = 0): Promise<JobFileStat[]> {
    return this.jobsIn(this.dir, sinceMs);
  }

  /**
   * Archived job files changed at or after `sinceMs`. Only buckets whose directory changed since
   * then can hold a job moved in later, so a large archive costs one stat per bucket.
   */
  async archivedJobs(sinceMs: number): Promise<JobFileStat[]> {
    const archive = join(this.dir, 'archive');
    let buckets: string[];
    try {
      buckets = await fs.readdir(archive);
    } catch {
      return [];
    }
    const out: JobFileStat[] = [];
    for (const b of buckets) {
      if (!/^\d+$/.test(b)) continue;
      const dir = join(archive, b);
      try {
        const st = await fs.stat(dir);
        if (!st.isDirectory() || st.mtimeMs < sinceMs) continue;
      } catch {
        continue;
      }
      out.push(...(await this.jobsIn(dir, sinceMs)));
    }
    return out;
  }

  private async jobsIn(dir: string, sinceMs: number): Promise<JobFileStat[]> {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return [];
    }
    const out: JobFileStat[] = [];
    for (const name of names) {
      const id = jobIdFromFileName(name);
      if (id === null) continue;
      const path = join(dir, name);
      try {
        const st = await fs.stat(path);
        if (st.isFile() && st.mtimeMs >= sinceMs) {
          out.push({ id, path, mtimeMs: st.mtimeMs, size: st.size });
        }
      } catch {
        // archived or removed between readdir and stat: its new place is looked up when read
      }
    }
    return out.sort((a, b) => a.id - b.id);
  }
}
