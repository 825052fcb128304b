import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import pino from 'pino';
import { QueueName, loadConfig, type NefosConfig } from '@nefos/contracts';
import { createTestEnv, type TestEnv } from '../test/support/test-env';
import { JobQueueWriter, instanceOp, ts } from '../test/events/support/job-queue.writer';
import { QueueInspector, eventually } from '../test/events/support/queues';
import { EventdModule } from './eventd.module';
import { EventdService } from './eventd.service';
import { EventdMetrics } from './metrics/eventd.metrics';

const SERVER = '3f1c2b4a-9d8e-4f70-8a6b-1c2d3e4f5a6b';
const INSTANCE = `nefos-${SERVER}`;
const REQ = 'req-11111111-2222-4333-8444-555555555555';

describe('eventd', () => {
  let env: TestEnv;
  let config: NefosConfig;
  let writer: JobQueueWriter;
  let inspector: QueueInspector;
  let app: INestApplicationContext | null = null;

  async function start(overrides: Record<string, string> = {}): Promise<EventdService> {
    config = loadConfig({ ...env.env, ...overrides });
    app = await NestFactory.createApplicationContext(
      EventdModule.forRoot(config, pino({ level: 'silent' })),
      { logger: false },
    );
    await app.init();
    return app.get(EventdService);
  }

  async function stop(): Promise<void> {
    await app?.close();
    app = null;
  }

  const opJobs = async () => (await inspector.jobs(QueueName.Op)).map((j) => j.id);

  beforeAll(async () => {
    // No RAPI password: no read-back, so these tests need no master.
    env = await createTestEnv({ NEFOS_RAPI_PASSWORD: '', NEFOS_EVENTD_RESCAN_INTERVAL: '1' });
    config = env.config;
    writer = new JobQueueWriter(config.master.queueDir);
    inspector = new QueueInspector(config);
  });
  afterEach(stop);
  afterAll(async () => {
    await inspector.close();
    await env.cleanup();
  });

  it('publishes one message per op status change, with the request id and the backend time', async () => {
    const svc = await start();
    const t = Date.now();
    writer.write(1, [
      instanceOp('OP_INSTANCE_SHUTDOWN', INSTANCE, 'queued', t, { requestId: REQ }),
    ]);
    await eventually('queued event', async () =>
      (await opJobs()).includes('nefos-local-1-0-queued'),
    );
    writer.write(1, [
      instanceOp('OP_INSTANCE_SHUTDOWN', INSTANCE, 'running', t + 10, { requestId: REQ }),
    ]);
    // A rewrite that changes only the log is not a status change.
    writer.write(1, [
      instanceOp('OP_INSTANCE_SHUTDOWN', INSTANCE, 'running', t + 10, {
        requestId: REQ,
        log: [
          [1, ts(t), 'message', 'a'],
          [2, ts(t + 5), 'message', 'b'],
        ],
      }),
    ]);
    await eventually('running event', async () =>
      (await opJobs()).includes('nefos-local-1-0-running'),
    );
    writer.write(1, [
      instanceOp('OP_INSTANCE_SHUTDOWN', INSTANCE, 'success', t + 20, { requestId: REQ }),
    ]);
    await eventually('success event', async () =>
      (await opJobs()).includes('nefos-local-1-0-success'),
    );
    await svc.whenIdle();
    const jobs = await inspector.jobs(QueueName.Op);
    expect(jobs.map((j) => j.id)).toEqual([
      'nefos-local-1-0-queued',
      'nefos-local-1-0-running',
      'nefos-local-1-0-success',
    ]);
    const success = jobs[2].data;
    expect(success).toMatchObject({
      type: 'op',
      cluster: 'nefos-local',
      jobId: 1,
      operation: 'OP_INSTANCE_SHUTDOWN',
      status: 'success',
      instance: INSTANCE,
      requestId: REQ,
      eventTime: ts(t + 20),
      logmsg: 'OP_INSTANCE_SHUTDOWN success',
    });
  });

  it('survives truncated and malformed job files and keeps publishing', async () => {
    const svc = await start();
    const metrics = app!.get(EventdMetrics);
    const t = Date.now();
    writer.writeRaw(2, '{"id": 2, "received_timestamp": [1, 0], "ops": [{"input": {"OP_');
    writer.writeRaw(3, '{"this is": "not a job"}');
    writer.writeRaw(4, '\u0000\u0001 binary garbage');
    writer.write(5, [instanceOp('OP_INSTANCE_STARTUP', INSTANCE, 'success', t)]);
    await eventually('job 5', async () => (await opJobs()).includes('nefos-local-5-0-success'));
    // The truncated file is finished by an in-place write: it is published then.
    const full = JSON.stringify(
      writer.job(2, [instanceOp('OP_INSTANCE_REBOOT', INSTANCE, 'success', t + 1)]),
    );
    writer.writeInPlace(2, full);
    await eventually('job 2', async () => (await opJobs()).includes('nefos-local-2-0-success'));
    await svc.whenIdle();
    const failures = await metrics.parseFailures.get();
    const byKind = Object.fromEntries(failures.values.map((v) => [v.labels.kind, v.value]));
    expect(byKind.truncated).toBeGreaterThanOrEqual(1);
    expect(byKind.malformed).toBeGreaterThanOrEqual(2);
    expect(await opJobs()).not.toContain('nefos-local-3-0-success');
  });

  it('catches up after downtime from its high-water mark, including archived jobs', async () => {
    let svc = await start();
    const t = Date.now();
    writer.write(10, [instanceOp('OP_INSTANCE_STARTUP', INSTANCE, 'success', t)]);
    await eventually('job 10', async () => (await opJobs()).includes('nefos-local-10-0-success'));
    await svc.whenIdle();
    await stop();
    const stateFile = join(config.eventd.stateDir, 'high-water.json');
    expect(existsSync(stateFile)).toBe(true);
    const mark = JSON.parse(readFileSync(stateFile, 'utf8')).markMs as number;
    expect(mark).toBeGreaterThan(t - 1000);

    // While eventd is down: a job runs and finishes and is archived, another one is left running.
    writer.write(11, [instanceOp('OP_INSTANCE_SHUTDOWN', INSTANCE, 'success', t + 100)]);
    writer.archive(11);
    writer.write(12, [
      instanceOp('OP_INSTANCE_STARTUP', INSTANCE, 'success', t + 200),
      instanceOp('OP_INSTANCE_REBOOT', INSTANCE, 'running', t + 300),
    ]);

    svc = await start();
    const published = app!.get(EventdMetrics).published;
    await eventually('catch-up', async () => {
      const ids = await opJobs();
      return (
        ids.includes('nefos-local-11-0-success') &&
        ids.includes('nefos-local-12-0-success') &&
        ids.includes('nefos-local-12-1-running')
      );
    });
    await svc.whenIdle();
    // Job 10 changed before the mark (less the margin, it may be re-read: deduplicated by id).
    const ids = await opJobs();
    expect(ids.filter((i) => i.startsWith('nefos-local-10-'))).toEqual([
      'nefos-local-10-0-success',
    ]);
    const count = (await published.get()).values.reduce((n, v) => n + v.value, 0);
    expect(count).toBeGreaterThanOrEqual(3);
  });

  it('publishes the heartbeat dry run as a cluster event and ignores queries', async () => {
    const svc = await start();
    const t = Date.now();
    writer.write(20, [
      {
        input: {
          OP_ID: 'OP_TAGS_SET',
          kind: 'cluster',
          tags: ['nefos-heartbeat-hb20'],
          dry_run: true,
        },
        status: 'success',
        end_timestamp: ts(t),
      },
    ]);
    writer.write(21, [instanceOp('OP_INSTANCE_QUERY_DATA', INSTANCE, 'success', t)]);
    await eventually('heartbeat', async () =>
      (await inspector.jobs(QueueName.Cluster)).find(
        (j) => j.id === 'nefos-local-20-0-success-cluster',
      ),
    );
    await svc.whenIdle();
    const hb = (await inspector.jobs(QueueName.Cluster)).find((j) =>
      j.id.startsWith('nefos-local-20-'),
    )!;
    expect(hb.data).toMatchObject({ kind: 'heartbeat', heartbeatId: 'hb20', status: 'success' });
    expect((await opJobs()).some((i) => i.startsWith('nefos-local-21-'))).toBe(false);
  });

  it('publishes build progress reported in the op log of a running create', async () => {
    const svc = await start();
    const t = Date.now();
    for (const pct of [10, 42]) {
      writer.write(40, [
        instanceOp('OP_INSTANCE_CREATE', INSTANCE, 'running', t, {
          log: [[pct, ts(t + pct), 'message', `Copying image: ${pct}%`]],
        }),
      ]);
      await eventually(`progress ${pct}`, async () =>
        (await inspector.jobs(QueueName.Progress)).find(
          (j) => j.data.jobId === 40 && (j.data as { progress: number }).progress === pct,
        ),
      );
    }
    await svc.whenIdle();
    const progress = (await inspector.jobs(QueueName.Progress)).filter((j) => j.data.jobId === 40);
    expect(progress.map((j) => (j.data as { progress: number }).progress).sort()).toEqual([10, 42]);
    expect(progress[0].data).toMatchObject({ instance: INSTANCE, operation: 'OP_INSTANCE_CREATE' });
  });

  it('publishes a successful create without details when RAPI does not answer', async () => {
    const svc = await start({ NEFOS_RAPI_PASSWORD: 'x', NEFOS_RAPI_RETRIES: '0' });
    const t = Date.now();
    writer.write(30, [instanceOp('OP_INSTANCE_CREATE', INSTANCE, 'success', t)]);
    const job = await eventually('create', async () =>
      (await inspector.jobs(QueueName.Op)).find((j) => j.id === 'nefos-local-30-0-success'),
    );
    await svc.whenIdle();
    expect(job.data).toMatchObject({ operation: 'OP_INSTANCE_CREATE', status: 'success' });
    expect(job.data).not.toHaveProperty('nics');
    // Earlier tests' startups are re-read within the catch-up margin and fail the same way.
    const failures = (await app!.get(EventdMetrics).readbackFailures.get()).values[0].value;
    expect(failures).toBeGreaterThanOrEqual(1);
  });
});
