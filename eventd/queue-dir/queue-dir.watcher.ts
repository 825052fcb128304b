import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { jobIdFromFileName } from './queue-dir.reader';

/**
 * inotify on the queue directory (Node's fs.watch is inotify on Linux): a job file renamed into
 * place (IN_MOVED_TO), written in place (IN_MODIFY, the close follows the last write) or moved
 * to the archive (IN_MOVED_FROM) reports its job id. Events carry no content; the caller re-reads
 * the file, so a burst of events for one job costs one read.
 */
export class QueueDirWatcher {
  private watcher: FSWatcher | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly dir: string,
    private readonly onJob: (id: number) => void,
    private readonly onRestart: () => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    try {
      this.watcher = watch(this.dir, { persistent: true }, (_event, name) => {
        const id = name ? jobIdFromFileName(name.toString()) : null;
        if (id !== null) this.onJob(id);
      });
      this.watcher.on('error', (err) => this.restart(err));
    } catch (err) {
      this.restart(err as Error);
    }
  }

  /** The directory went away or the watch failed: watch again and have everything re-read. */
  private restart(err: Error): void {
    this.log.warn({ err: err.message, dir: this.dir }, 'queue directory watch failed; restarting');
    this.watcher?.close();
    this.watcher = null;
    if (this.stopped || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      this.start();
      this.onRestart();
    }, 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.watcher?.close();
    this.watcher = null;
  }
}
