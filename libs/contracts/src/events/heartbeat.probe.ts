import { Queue } from 'bullmq';
import type { NefosConfig } from '../config/config.types';
import { RapiError } from '../rapi/rapi.errors';
import type { RapiClient } from '../rapi/rapi.client';
import { bullConnection, createRedis } from '../redis/redis-connection';
import { livenessPattern } from './dead-letter';
import {
  heartbeatTag,
  newHeartbeatId,
  type HeartbeatArrival,
  type HeartbeatHop,
} from './heartbeat';
import { eventJobId } from './job-options';
import { QueueName } from './queue-name.enum';
import { closeQueues } from './queue-close';

export interface HopReport {
  hop: HeartbeatHop;
  ok: boolean;
  /** Milliseconds from the start of the probe until this hop answered (or gave up). */
  ms: number;
  detail: string;
}

export interface ProbeResult {
  ok: boolean;
  cluster: string;
  heartbeatId: string;
  jobId: number | null;
  hops: HopReport[];
  /** The first hop that did not answer within the budget. */
  failedHop: HeartbeatHop | null;
  message: string;
}

const FINAL = ['success', 'error', 'canceled'];

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The end-to-end check (DESIGN.md §4): submits a tagged dry-run job through RAPI and follows it
 * hop by hop (master ran it, eventd published it, the dispatcher recorded it) within a time
 * budget, naming the first hop that failed. Used by `nefos-manage status-check` and `/healthz`.
 */
export class HeartbeatProbe {
  private readonly queue: Queue;
  private readonly redis;

  constructor(
    private readonly config: Pick<NefosConfig, 'redis'>,
    /** Reads the dispatcher's record of arrived heartbeats for the cluster (SystemState). */
    private readonly readArrival: (cluster: string) => Promise<HeartbeatArrival | null>,
  ) {
    this.queue = new Queue(QueueName.Cluster, {
      connection: bullConnection(config),
      prefix: config.redis.prefix,
    });
    this.queue.on('error', () => undefined);
    this.redis = createRedis(config, { lazyConnect: true, maxRetriesPerRequest: 1 });
    this.redis.on('error', () => undefined);
  }

  async run(rapi: RapiClient, cluster: string, budgetMs: number): Promise<ProbeResult> {
    const started = Date.now();
    const deadline = started + budgetMs;
    const id = newHeartbeatId();
    const hops: HopReport[] = [];
    const at = (): number => Date.now() - started;
    const done = (failedHop: HeartbeatHop | null, message: string, jobId: number | null) => ({
      ok: failedHop === null,
      cluster,
      heartbeatId: id,
      jobId,
      hops,
      failedHop,
      message,
    });
    const fail = (hop: HeartbeatHop, detail: string, jobId: number | null): ProbeResult => {
      hops.push({ hop, ok: false, ms: at(), detail });
      return done(hop, `${hop}: ${detail}`, jobId);
    };

    // 1. RAPI takes the dry-run job.
    let jobId: number;
    try {
      jobId = await rapi.addClusterTags([heartbeatTag(id)], {
        dryRun: true,
        reason: `nefos heartbeat ${id}`,
      });
    } catch (err) {
      const why = err instanceof RapiError ? err.message : (err as Error).message;
      return fail('rapi', `the master's RAPI did not take the heartbeat job (${why})`, null);
    }
    hops.push({ hop: 'rapi', ok: true, ms: at(), detail: `job ${jobId} submitted` });

    // 2. The master runs it (a dry run changes nothing).
    let status: string | null = null;
    while (Date.now() < deadline) {
      try {
        status = (await rapi.getJob(jobId)).status;
      } catch {
        status = null;
      }
      if (status && FINAL.includes(status)) break;
      await sleep(100);
    }
    if (status !== 'success') {
      return fail(
        'master',
        status && FINAL.includes(status)
          ? `job ${jobId} ended with status ${status}`
          : `job ${jobId} did not finish (last status: ${status ?? 'unknown'})`,
        jobId,
      );
    }
    hops.push({ hop: 'master', ok: true, ms: at(), detail: `job ${jobId} succeeded` });

    // 3. eventd publishes it to Redis.
    const bullId = eventJobId({ type: 'cluster', cluster, jobId, opIndex: 0, status: 'success' });
    let state: string | null = null;
    while (Date.now() < deadline) {
      try {
        const job = await this.queue.getJob(bullId);
        state = job ? await job.getState() : null;
      } catch (err) {
        return fail('redis', `Redis did not answer (${(err as Error).message})`, jobId);
      }
      if (state) break;
      await sleep(100);
    }
    if (!state) {
      const alive = await this.alive('eventd');
      return fail(
        'eventd',
        `no event for job ${jobId} in ${QueueName.Cluster}; ` +
          (alive ? 'eventd is running but did not publish it' : 'no eventd is running'),
        jobId,
      );
    }
    hops.push({ hop: 'eventd', ok: true, ms: at(), detail: `published as ${bullId}` });

    // 4. The dispatcher records its arrival.
    while (Date.now() < deadline) {
      const arrival = await this.readArrival(cluster).catch(() => null);
      if (arrival && (arrival.id === id || arrival.recent?.some((r) => r.id === id))) {
        hops.push({ hop: 'dispatcher', ok: true, ms: at(), detail: 'arrival recorded' });
        return done(null, `heartbeat ${id} went through in ${at()} ms`, jobId);
      }
      await sleep(100);
    }
    const alive = await this.alive('dispatcher');
    const jobState = await this.queue
      .getJob(bullId)
      .then((j) => (j ? j.getState() : 'gone'))
      .catch(() => 'unknown');
    return fail(
      'dispatcher',
      `event ${bullId} is ${jobState} and no arrival was recorded; ` +
        (alive ? 'a dispatcher is running' : 'no dispatcher is running'),
      jobId,
    );
  }

  private async alive(daemon: 'eventd' | 'dispatcher'): Promise<boolean> {
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(
          cursor,
          'MATCH',
          livenessPattern(this.config.redis.prefix, daemon),
          'COUNT',
          1000,
        );
        if (keys.length > 0) return true;
        cursor = next;
      } while (cursor !== '0');
      return false;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await closeQueues([this.queue]);
    this.redis.disconnect();
  }
}
