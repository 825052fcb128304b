import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  EventPublisher,
  FINAL_OP_STATUSES,
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  livenessKey,
  type GanetiTimestamp,
  type Logger,
  type NefosConfig,
  type OpStatus,
} from '@nefos/contracts';
import { buildOpEvent, buildProgress } from './job-file/event.builder';
import { JobFileError, parseJobFile } from './job-file/job-file.parser';
import { EventdMetrics } from './metrics/eventd.metrics';
import { QueueDirReader } from './queue-dir/queue-dir.reader';
import { QueueDirWatcher } from './queue-dir/queue-dir.watcher';
import { InstanceReader } from './readback/instance.reader';
import { HighWaterStore } from './state/high-water.store';

/** Re-read what changed this long before the stored mark: covers inotify delivery and clock ticks. */
const CATCH_UP_MARGIN_MS = 10_000;
/** Archived jobs a first start (no mark yet) still publishes. */
const FIRST_START_ARCHIVE_WINDOW_MS = 3600_000;
const MAX_TRACKED_JOBS = 20_000;
const PARALLEL_JOBS = 8;

interface Tracked {
  /** Status last published per op index (null: nothing yet). */
  published: Array<OpStatus | null>;
  /** Build progress last published (running creates that report one). */
  progress?: number;
  final: boolean;
}

export const EVENTD_PUBLISHER = Symbol('EVENTD_PUBLISHER');
export const EVENTD_INSTANCE_READER = Symbol('EVENTD_INSTANCE_READER');

/**
 * Follows the master's job queue directory and publishes one message per op status change.
 * At-least-once: a job's statuses count as published only after Redis took them; the persisted
 * high-water mark only moves when nothing is pending, so a crash re-publishes (deduplicated by
 * the deterministic job ids) rather than loses.
 */
@Injectable()
export class EventdService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly reader: QueueDirReader;
  private readonly watcher: QueueDirWatcher;
  private readonly highWater: HighWaterStore;
  private readonly tracked = new Map<number, Tracked>();
  private readonly dirty = new Set<number>();
  private readonly inFlight = new Set<number>();
  private readonly retryTimers = new Map<number, NodeJS.Timeout>();
  private readonly truncatedOnce = new Set<number>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private draining = false;
  private lastRescanMs = 0;
  private lastSavedMark = 0;
  private saving: Promise<void> = Promise.resolve();
  private idleWaiters: Array<() => void> = [];

  constructor(
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    @Inject(EVENTD_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(EVENTD_INSTANCE_READER) private readonly instances: InstanceReader,
    private readonly metrics: EventdMetrics,
  ) {
    this.reader = new QueueDirReader(config.master.queueDir);
    this.highWater = new HighWaterStore(
      config.eventd.stateDir,
      config.eventd.cluster,
      config.master.queueDir,
    );
    this.watcher = new QueueDirWatcher(
      config.master.queueDir,
      (id) => this.schedule(id),
      () => void this.rescan(0),
      log,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.instances.enabled) {
      this.log.warn('no RAPI password configured: events go out without NIC/disk read-back');
    }
    await this.waitForQueueDir();
    if (this.stopped) return;
    // Watch first, then scan: a change during the scan is seen by one or the other.
    this.watcher.start();
    const mark = await this.highWater.load();
    const now = Date.now();
    const since = mark === null ? 0 : Math.max(0, mark - CATCH_UP_MARGIN_MS);
    const live = await this.reader.liveJobs(since);
    const archived = await this.reader.archivedJobs(
      mark === null ? now - FIRST_START_ARCHIVE_WINDOW_MS : since,
    );
    this.lastRescanMs = now;
    this.log.info(
      {
        queueDir: this.config.master.queueDir,
        mark: mark === null ? null : new Date(mark).toISOString(),
        catchUp: live.length + archived.length,
      },
      mark === null ? 'eventd started (no high-water mark yet)' : 'eventd started, catching up',
    );
    for (const j of [...archived, ...live]) this.schedule(j.id);
    if (this.config.eventd.rescanIntervalSeconds > 0) {
      this.timers.push(
        setInterval(() => void this.rescan(), this.config.eventd.rescanIntervalSeconds * 1000),
      );
    }
    this.timers.push(setInterval(() => void this.heartbeat(), 5_000));
    void this.heartbeat();
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.watcher.stop();
    for (const t of this.timers) clearInterval(t);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    await this.whenIdle(5000);
    await this.saving;
    // BullMQ's close waits for Redis; with Redis gone there is nothing left to flush anyway.
    await Promise.race([this.publisher.close(), new Promise((r) => setTimeout(r, 3000))]);
  }

  /** Resolves when nothing is pending (for tests and orderly shutdown), or after `timeoutMs`. */
  whenIdle(timeoutMs = 60_000): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private isIdle(): boolean {
    return this.dirty.size === 0 && this.inFlight.size === 0 && this.retryTimers.size === 0;
  }

  private async waitForQueueDir(): Promise<void> {
    let warned = false;
    while (!this.stopped && !(await this.reader.exists())) {
      if (!warned) {
        this.log.warn(
          { dir: this.config.master.queueDir },
          'job queue directory does not exist yet; waiting',
        );
        warned = true;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private schedule(id: number): void {
    if (this.stopped) return;
    this.dirty.add(id);
    this.metrics.pendingJobs.set(this.dirty.size + this.inFlight.size);
    this.kick();
  }

  /** Re-reads job files changed since the last rescan: a safety net for lost inotify events. */
  private async rescan(sinceMs = this.lastRescanMs - CATCH_UP_MARGIN_MS): Promise<void> {
    const started = Date.now();
    try {
      for (const j of await this.reader.liveJobs(Math.max(0, sinceMs))) this.schedule(j.id);
      this.lastRescanMs = started;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'rescan of the job queue failed');
    }
  }

  private kick(): void {
    if (this.draining || this.stopped) return;
    this.draining = true;
    void this.drain().finally(() => {
      this.draining = false;
      if (this.dirty.size > 0 && !this.stopped) this.kick();
    });
  }

  private async drain(): Promise<void> {
    const workers: Array<Promise<void>> = [];
    const next = async (): Promise<void> => {
      for (;;) {
        const id = this.takeDirty();
        if (id === undefined) return;
        this.inFlight.add(id);
        try {
          await this.processJob(id);
        } finally {
          this.inFlight.delete(id);
          this.metrics.pendingJobs.set(this.dirty.size + this.inFlight.size);
        }
      }
    };
    for (let i = 0; i < PARALLEL_JOBS; i++) workers.push(next());
    await Promise.all(workers);
    if (this.isIdle()) {
      this.advanceMark(Date.now());
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Lowest id first, so a burst is published roughly in submission order. */
  private takeDirty(): number | undefined {
    let min: number | undefined;
    for (const id of this.dirty) {
      if (this.inFlight.has(id)) continue;
      if (min === undefined || id < min) min = id;
    }
    if (min !== undefined) this.dirty.delete(min);
    return min;
  }

  private advanceMark(markMs: number): void {
    this.metrics.highWaterMark.set(markMs / 1000);
    if (markMs - this.lastSavedMark < 1000) return;
    this.lastSavedMark = markMs;
    this.saving = this.saving
      .then(() => this.highWater.save(markMs))
      .catch((err: Error) =>
        this.log.error({ err: err.message }, 'cannot save the high-water mark'),
      );
  }

  private async processJob(id: number): Promise<void> {
    let file: Awaited<ReturnType<QueueDirReader['read']>>;
    try {
      file = await this.reader.read(id);
    } catch (err) {
      this.log.warn({ jobId: id, err: (err as Error).message }, 'cannot read job file');
      this.retryLater(id, 1);
      return;
    }
    if (!file) {
      this.tracked.delete(id); // removed without being archived: nothing left to publish
      return;
    }
    let job;
    try {
      job = parseJobFile(file.text);
      this.truncatedOnce.delete(id);
    } catch (err) {
      if (!(err instanceof JobFileError)) throw err;
      this.metrics.parseFailures.inc({ kind: err.truncated ? 'truncated' : 'malformed' });
      this.log.warn(
        { jobId: id, path: file.path, err: err.message },
        'skipping unreadable job file',
      );
      // A file caught mid-write is complete by the next event; look once more in case none comes.
      if (err.truncated && !this.truncatedOnce.has(id)) {
        this.truncatedOnce.add(id);
        this.retryLater(id, 0);
      }
      return;
    }
    const state = this.tracked.get(id) ?? { published: [], final: false };
    const fallback = msToTimestamp(file.mtimeMs);
    try {
      for (let i = 0; i < job.ops.length; i++) {
        const status = job.ops[i].status as OpStatus;
        if (state.published[i] !== status) {
          await this.publishOp(job, i, fallback);
          state.published[i] = status;
        }
        const progress = buildProgress(this.config.eventd.cluster, job, i, fallback);
        if (progress && progress.progress !== state.progress) {
          await this.publisher.publish(progress.message, `p${progress.progress}`);
          this.metrics.published.inc({ type: 'progress', status: 'running' });
          state.progress = progress.progress;
        }
      }
    } catch (err) {
      this.metrics.publishFailures.inc();
      this.log.warn({ jobId: id, err: (err as Error).message }, 'publish failed; will retry');
      this.tracked.set(id, state);
      this.retryLater(id, 2);
      return;
    }
    state.final = job.ops.every((o) => FINAL_OP_STATUSES.includes(o.status as OpStatus));
    this.track(id, state);
  }

  private async publishOp(
    job: ReturnType<typeof parseJobFile>,
    opIndex: number,
    fallback: GanetiTimestamp,
  ): Promise<void> {
    const pending = buildOpEvent(this.config.eventd.cluster, job, opIndex, fallback);
    if (!pending) return;
    const { message } = pending;
    if (pending.readback && message.type === 'op') {
      const { details, error } = await this.instances.read(message.instance);
      if (details) Object.assign(message, details);
      else if (this.instances.enabled) {
        this.metrics.readbackFailures.inc();
        this.log.warn(
          { instance: message.instance, jobId: job.id, err: error },
          'read-back failed',
        );
      }
    }
    const jobId = await this.publisher.publish(message);
    this.metrics.published.inc({ type: message.type, status: message.status });
    const [s, us] = message.eventTime;
    this.metrics.lag.observe(Math.max(0, Date.now() / 1000 - (s + us / 1e6)));
    this.log.debug(
      {
        jobId,
        instance: 'instance' in message ? message.instance : undefined,
        requestId: message.requestId,
      },
      'published',
    );
  }

  private retryLater(id: number, attempt: number): void {
    if (this.stopped || this.retryTimers.has(id)) return;
    const delay = Math.min(500 * 2 ** attempt, 10_000);
    this.retryTimers.set(
      id,
      setTimeout(() => {
        this.retryTimers.delete(id);
        this.schedule(id);
      }, delay),
    );
  }

  private track(id: number, state: Tracked): void {
    this.tracked.delete(id);
    this.tracked.set(id, state);
    if (this.tracked.size > MAX_TRACKED_JOBS) {
      // Forget the oldest finished jobs; a later event for one only re-publishes (deduplicated).
      for (const [oldId, s] of this.tracked) {
        if (this.tracked.size <= MAX_TRACKED_JOBS * 0.9) break;
        if (s.final) this.tracked.delete(oldId);
      }
    }
    this.metrics.trackedJobs.set(this.tracked.size);
  }

  private async heartbeat(): Promise<void> {
    try {
      const redis = await this.publisher.client();
      await redis.set(
        livenessKey(this.config.redis.prefix, 'eventd', this.config.eventd.cluster),
        JSON.stringify({
          host: hostname(),
          pid: process.pid,
          queueDir: this.config.master.queueDir,
          pending: this.dirty.size + this.inFlight.size,
          at: new Date().toISOString(),
        }),
        'EX',
        15,
      );
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'liveness key not written');
    }
    if (this.isIdle() && !this.draining) this.advanceMark(Date.now());
  }
}

function msToTimestamp(ms: number): GanetiTimestamp {
  const sec = Math.floor(ms / 1000);
  return [sec, Math.min(999_999, Math.floor((ms - sec * 1000) * 1000))];
}
