import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { syncDir, writeFileAtomic } from '../common/atomic-file';
import type { QueuedJob } from './job.types';

const JOB_FILE = /^job-(\d+)$/;

/**
 * Ganeti's on-disk queue: `job-<id>` files replaced atomically, `serial` with the last id, and
 * `archive/<id div 10000>/job-<id>` for old finished jobs. The event daemon reads these files.
 */
export class JobQueueStore {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'archive'), { recursive: true });
  }

  readSerial(): number {
    const file = join(this.dir, 'serial');
    if (!existsSync(file)) return 0;
    const n = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(n) || n < 0) throw new Error(`${file}: not a job serial`);
    return n;
  }

  writeSerial(n: number): void {
    writeFileAtomic(join(this.dir, 'serial'), `${n}\n`, 0o644);
  }

  write(job: QueuedJob): void {
    writeFileAtomic(this.path(job.id), JSON.stringify(job), 0o644);
  }

  /** Every job file in the queue dir (not the archive), by id. */
  loadAll(): QueuedJob[] {
    const jobs: QueuedJob[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = JOB_FILE.exec(name);
      if (!m) continue;
      jobs.push(JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as QueuedJob);
    }
    return jobs.sort((a, b) => a.id - b.id);
  }

  readArchived(id: number): QueuedJob | null {
    const file = this.archivePath(id);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as QueuedJob) : null;
  }

  archive(id: number): void {
    const target = this.archivePath(id);
    mkdirSync(join(target, '..'), { recursive: true });
    renameSync(this.path(id), target);
    syncDir(this.dir);
  }

  /** The highest id present in the queue or archive (guards against a lost `serial`). */
  highestId(): number {
    let max = 0;
    for (const name of readdirSync(this.dir)) {
      const m = JOB_FILE.exec(name);
      if (m) max = Math.max(max, Number(m[1]));
    }
    const archive = join(this.dir, 'archive');
    for (const bucket of readdirSync(archive)) {
      for (const name of readdirSync(join(archive, bucket))) {
        const m = JOB_FILE.exec(name);
        if (m) max = Math.max(max, Number(m[1]));
      }
    }
    return max;
  }

  private path(id: number): string {
    return join(this.dir, `job-${id}`);
  }

  private archivePath(id: number): string {
    return join(this.dir, 'archive', String(Math.floor(id / 10000)), `job-${id}`);
  }
}
