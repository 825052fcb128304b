import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import pino from 'pino';
import {
  DEAD_LETTER_QUEUE,
  EVENT_JOB_OPTIONS,
  EventPublisher,
  QueueName,
  bullConnection,
  eventJobId,
  heartbeatArrivedKey,
  timestampToMicros,
  type EventMessageInput,
  type NefosConfig,
} from '@nefos/contracts';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../test/support/test-env';
import { testPrisma } from '../test/support/identity-fixtures';
import { ts } from '../test/events/support/job-queue.writer';
import { QueueInspector, eventually } from '../test/events/support/queues';
import {
  createBuildingServer,
  seedWorld,
  type ServerFixture,
} from '../test/events/support/server-fixtures';
import { DispatcherModule } from './dispatcher.module';
import { DeadLetterQueue } from '@nefos/contracts';

const T0 = Date.UTC(2030, 0, 1);

function op(
  s: ServerFixture,
  jobId: number,
  operation: string,
  status: 'queued' | 'running' | 'success' | 'error' | 'canceled',
  atMs: number,
  extra: Partial<EventMessageInput> = {},
): EventMessageInput {
  return {
    type: 'op',
    cluster: 'nefos-local',
    jobId,
    opIndex: 0,
    operation,
    status,
    eventTime: ts(atMs),
    logmsg: `${operation} ${status}`,
    instance: s.instance,
    jobFields: {},
    ...extra,
  } as EventMessageInput;
}

describe('dispatcher', () => {
  let env: TestEnv;
  let config: NefosConfig;
  let prisma: PrismaClient;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  let app: INestApplicationContext;
  let publisher: EventPublisher;
  let inspector: QueueInspector;
  let jobSeq = 100;

  /** Publishes and waits until the dispatcher finished with that BullMQ job. */
  async function deliver(message: EventMessageInput, suffix?: string): Promise<void> {
    const id = await publisher.publish(message, suffix);
    const queue = inspector.queue(
      message.type === 'op' ? QueueName.Op : (`events.${message.type}` as QueueName),
    );
    await eventually(`processing of ${id}`, async () => {
      const job = await queue.getJob(id);
      return job && ((await job.isCompleted()) || (await job.isFailed()));
    });
  }

  const server = (id: string) => prisma.server.findUniqueOrThrow({ where: { id } });

  beforeAll(async () => {
    env = await createTestEnv();
    config = env.config;
    prisma = testPrisma(env.databaseUrl);
    world = await seedWorld(prisma, config);
    app = await NestFactory.createApplicationContext(
      DispatcherModule.forRoot(config, pino({ level: 'silent' })),
      { logger: false },
    );
    await app.init();
    publisher = new EventPublisher(config);
    inspector = new QueueInspector(config);
  });
  afterAll(async () => {
    await app?.close();
    await publisher?.close();
    await inspector?.close();
    await prisma?.$disconnect();
    await env?.cleanup();
  });

  it('makes a built server ACTIVE: state, task, launch time, NICs, quota and trail', async () => {
    const job = ++jobSeq;
    const s = await createBuildingServer(prisma, config, world, job);
    await deliver(op(s, job, 'OP_INSTANCE_CREATE', 'running', T0));
    expect(await server(s.id)).toMatchObject({ operstate: 'BUILD', backendJobStatus: 'running' });
    await deliver(
      op(s, job, 'OP_INSTANCE_CREATE', 'success', T0 + 1000, {
        requestId: 'req-11111111-2222-4333-8444-555555555555',
        nics: [{ index: 0, mac: s.mac, ip: '10.99.200.7', network: null, uuid: 'nic-uuid-0' }],
        beparams: { vcpus: 1, maxmem: 512 },
        disks: [{ index: 0, size: 1024 }],
        pnode: 'node1',
      }),
    );
    const row = await server(s.id);
    expect(row).toMatchObject({
      operstate: 'STARTED',
      task: null,
      taskJobId: null,
      backendJobId: job,
      backendJobStatus: 'success',
      backendOpcode: 'OP_INSTANCE_CREATE',
      hostNode: 'node1',
      buildProgress: 100,
      flavorId: '1',
    });
    expect(row.backendTime).toBe(timestampToMicros(ts(T0 + 1000)));
    expect(row.launchedAt?.getTime()).toBe(T0 + 1000);
    const port = await prisma.port.findUniqueOrThrow({
      where: { id: s.portId },
      include: { addresses: true },
    });
    expect(port).toMatchObject({ status: 'ACTIVE', backendUuid: 'nic-uuid-0' });
    expect(port.addresses.map((a) => a.address)).toEqual(['10.99.200.7']);
    const commission = await prisma.commission.findUniqueOrThrow({ where: { id: s.commissionId } });
    expect(commission.status).toBe('ACCEPTED');
    const usage = await prisma.quotaUsage.findUniqueOrThrow({
      where: {
        projectId_resource: { projectId: world.identity.projectId, resource: 'instances' },
      },
    });
    expect(usage.inUse).toBeGreaterThanOrEqual(1);
    const trail = await prisma.serverTrail.findMany({
      where: { serverId: s.id },
      orderBy: { id: 'asc' },
    });
    expect(trail.map((t) => [t.source, t.status])).toEqual([
      ['event', 'running'],
      ['event', 'success'],
      ['state', 'success'],
    ]);
    expect(trail[2].message).toBe('BUILD -> STARTED');
    expect(trail[1].requestId).toBe('req-11111111-2222-4333-8444-555555555555');
  });

  it('ignores duplicated messages and stale ones', async () => {
    const job = ++jobSeq;
    const s = await createBuildingServer(prisma, config, world, job);
    const success = op(s, job, 'OP_INSTANCE_CREATE', 'success', T0 + 2000);
    await deliver(success);
    await deliver(success, 'again'); // re-published after BullMQ forgot the first one
    await deliver(success, 'third');
    // A late 'running' of the same job and an older success of an earlier job change nothing.
    await deliver(op(s, job, 'OP_INSTANCE_CREATE', 'running', T0 + 1500));
    await deliver(op(s, job - 50, 'OP_INSTANCE_SHUTDOWN', 'success', T0 + 1000));
    const row = await server(s.id);
    expect(row).toMatchObject({
      operstate: 'STARTED',
      backendJobId: job,
      backendJobStatus: 'success',
    });
    expect(row.backendTime).toBe(timestampToMicros(ts(T0 + 2000)));
    const events = await prisma.serverTrail.count({
      where: { serverId: s.id, source: 'event', status: 'success', jobId: job },
    });
    expect(events).toBe(1);
    const states = await prisma.serverTrail.count({ where: { serverId: s.id, source: 'state' } });
    expect(states).toBe(1);
  });

  it('ends in the state of the newest event whatever order the messages arrive in', async () => {
    const job = ++jobSeq;
    const s = await createBuildingServer(prisma, config, world, job);
    const story: EventMessageInput[] = [];
    const ops = [
      ['OP_INSTANCE_CREATE', job],
      ['OP_INSTANCE_SHUTDOWN', job + 1],
      ['OP_INSTANCE_STARTUP', job + 2],
      ['OP_INSTANCE_SHUTDOWN', job + 3],
    ] as const;
    jobSeq += 3;
    ops.forEach(([name, id], i) => {
      const t = T0 + 10_000 * (i + 1);
      story.push(op(s, id, name, 'queued', t - 3));
      story.push(op(s, id, name, 'running', t - 2));
      story.push(op(s, id, name, 'success', t));
    });
    // Every message twice (a second id, as after a re-publish), shuffled, all at once.
    const deliveries = story.flatMap((m) => [
      [m, undefined],
      [m, 'dup'],
    ]) as Array<[EventMessageInput, string | undefined]>;
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
    }
    await Promise.all(deliveries.map(([m, suffix]) => deliver(m, suffix)));
    // The same story for a second server, newest first: the worst order, deterministically.
    const job2 = ++jobSeq;
    const s2 = await createBuildingServer(prisma, config, world, job2);
    for (const m of [...story].reverse()) {
      await deliver({
        ...m,
        instance: s2.instance,
        jobId: m.jobId - job + job2,
      } as EventMessageInput);
    }
    jobSeq += 3;
    const row2 = await server(s2.id);
    expect(row2).toMatchObject({ operstate: 'STOPPED', backendJobId: job2 + 3, task: null });
    expect(row2.backendTime).toBe(timestampToMicros(ts(T0 + 40_000)));
    const row = await server(s.id);
    expect(row).toMatchObject({
      operstate: 'STOPPED',
      backendJobId: job + 3,
      backendJobStatus: 'success',
      task: null,
    });
    expect(row.backendTime).toBe(timestampToMicros(ts(T0 + 40_000)));
    expect(row.launchedAt).not.toBeNull();
  });

  it('shows a failed build as ERROR with the backend message and releases the quota', async () => {
    const job = ++jobSeq;
    const s = await createBuildingServer(prisma, config, world, job);
    await deliver(
      op(s, job, 'OP_INSTANCE_CREATE', 'error', T0 + 3000, {
        result: ['OpPrereqError', ['Not enough memory on node node1', 'insufficient_resources']],
        logmsg: 'allocating the instance',
      }),
    );
    const row = await server(s.id);
    expect(row).toMatchObject({
      operstate: 'ERROR',
      task: null,
      faultCode: 500,
      faultMessage: 'Not enough memory on node node1',
    });
    expect(row.faultDetails).toContain('OpPrereqError');
    expect((await prisma.port.findUniqueOrThrow({ where: { id: s.portId } })).status).toBe('ERROR');
    expect(
      (await prisma.commission.findUniqueOrThrow({ where: { id: s.commissionId } })).status,
    ).toBe('REJECTED');
    // A late success of an older job cannot make it ACTIVE again.
    await deliver(op(s, job - 70, 'OP_INSTANCE_STARTUP', 'success', T0 + 2000));
    expect((await server(s.id)).operstate).toBe('ERROR');
  });

  it('deletes on a successful remove: marks deleted, frees addresses, ports and quota', async () => {
    const job = ++jobSeq;
    const s = await createBuildingServer(prisma, config, world, job);
    await deliver(op(s, job, 'OP_INSTANCE_CREATE', 'success', T0 + 1000));
    const removeJob = ++jobSeq;
    await prisma.server.update({
      where: { id: s.id },
      data: { task: 'deleting', taskJobId: removeJob },
    });
    const del = await prisma.commission.create({
      data: {
        projectId: world.identity.projectId,
        serverId: s.id,
        action: 'delete',
        deltas: { instances: -1, cores: -1, ram: -512, disk: -1 },
        backendJobId: removeJob,
      },
    });
    await deliver(op(s, removeJob, 'OP_INSTANCE_REMOVE', 'success', T0 + 5000));
    const row = await server(s.id);
    expect(row).toMatchObject({ deleted: true, operstate: 'DESTROYED', task: null });
    expect(row.terminatedAt?.getTime()).toBe(T0 + 5000);
    expect(await prisma.port.count({ where: { serverId: s.id } })).toBe(0);
    expect(await prisma.ipAddress.count({ where: { address: s.ip } })).toBe(0);
    expect((await prisma.commission.findUniqueOrThrow({ where: { id: del.id } })).status).toBe(
      'ACCEPTED',
    );
    // Anything later about a deleted server is ignored.
    await deliver(op(s, removeJob + 1, 'OP_INSTANCE_STARTUP', 'success', T0 + 9000));
    expect((await server(s.id)).operstate).toBe('DESTROYED');
  });

  it('raises build progress, applies hook firewall details and records heartbeats', async () => {
    const job = ++jobSeq;
    const s = await createBuildingServer(prisma, config, world, job);
    const progress = (p: number): EventMessageInput =>
      ({
        type: 'progress',
        cluster: 'nefos-local',
        jobId: job,
        operation: 'OP_INSTANCE_CREATE',
        status: 'running',
        eventTime: ts(T0 + p),
        instance: s.instance,
        progress: p,
      }) as EventMessageInput;
    await deliver(progress(40));
    await deliver(progress(20));
    expect((await server(s.id)).buildProgress).toBe(40);
    await deliver({
      type: 'network',
      cluster: 'nefos-local',
      jobId: 0,
      operation: 'OP_INSTANCE_CREATE',
      status: 'success',
      eventTime: ts(T0 + 100),
      instance: s.instance,
      firewall: [{ nic: 0, profile: 'PROTECTED' }],
    } as EventMessageInput);
    expect((await prisma.port.findUniqueOrThrow({ where: { id: s.portId } })).firewallProfile).toBe(
      'PROTECTED',
    );
    await deliver({
      type: 'cluster',
      cluster: 'nefos-local',
      jobId: 999,
      operation: 'OP_TAGS_SET',
      status: 'success',
      eventTime: ts(Date.now()),
      kind: 'heartbeat',
      heartbeatId: 'hb-medium',
    } as EventMessageInput);
    const state = await prisma.systemState.findUniqueOrThrow({
      where: { key: heartbeatArrivedKey('nefos-local') },
    });
    expect(state.value).toMatchObject({ id: 'hb-medium', jobId: 999, status: 'success' });
    const backend = await prisma.backend.findUniqueOrThrow({ where: { name: 'nefos-local' } });
    expect(backend.lastHeartbeatOk).toBe(true);
    expect(backend.lastHeartbeatAt).not.toBeNull();
  });

  describe('bad messages', () => {
    let raw: Queue;
    let cluster: Queue;
    let dead: DeadLetterQueue;
    beforeAll(() => {
      raw = new Queue(QueueName.Op, {
        connection: bullConnection(config),
        prefix: config.redis.prefix,
      });
      cluster = new Queue(QueueName.Cluster, {
        connection: bullConnection(config),
        prefix: config.redis.prefix,
      });
      dead = new DeadLetterQueue(config);
    });
    afterAll(async () => {
      await raw.close();
      await cluster.close();
      await dead.close();
    });

    it('dead-letters malformed messages at once, without retrying, and keeps working', async () => {
      const bad: Array<[Queue, string, unknown]> = [
        [raw, 'missing-fields', { type: 'op', cluster: 'nefos-local' }],
        [raw, 'not-an-object', 'hello'],
        [
          raw,
          'bad-time',
          {
            ...op(
              { instance: 'nefos-x' } as ServerFixture,
              1,
              'OP_INSTANCE_STARTUP',
              'success',
              T0,
            ),
            eventTime: 'yesterday',
          },
        ],
        [
          cluster,
          'wrong-queue',
          op({ instance: 'nefos-x' } as ServerFixture, 1, 'OP_INSTANCE_STARTUP', 'success', T0),
        ],
      ];
      for (const [q, id, data] of bad) await q.add('op', data, { ...EVENT_JOB_OPTIONS, jobId: id });
      const job = ++jobSeq;
      const s = await createBuildingServer(prisma, config, world, job);
      await deliver(op(s, job, 'OP_INSTANCE_CREATE', 'success', T0 + 1000));
      expect((await server(s.id)).operstate).toBe('STARTED');
      const entries = await eventually('dead letters', async () => {
        const list = await dead.list();
        return list.length >= 4 && list;
      });
      expect(entries.map((e) => [e.jobId, e.reason]).sort()).toEqual([
        ['bad-time', 'malformed'],
        ['missing-fields', 'malformed'],
        ['not-an-object', 'malformed'],
        ['wrong-queue', 'malformed'],
      ]);
      for (const [q, id] of bad) {
        const j = (await q.getJob(id))!;
        expect(await j.isFailed()).toBe(true);
        expect(j.attemptsMade).toBeLessThanOrEqual(1);
      }
      expect(entries.find((e) => e.jobId === 'missing-fields')!.failedReason).toMatch(/jobId/);
      const deadQueue = new Queue(DEAD_LETTER_QUEUE, {
        connection: bullConnection(config),
        prefix: config.redis.prefix,
      });
      for (const e of entries) await (await deadQueue.getJob(e.id))?.remove();
      await deadQueue.close();
    });

    it('retries a failing message, dead-letters it after the last attempt, and replays it', async () => {
      const job = ++jobSeq;
      const s = await createBuildingServer(prisma, config, world, job);
      // A database fault on this one server's row: every attempt fails.
      await prisma.$executeRawUnsafe(`
        CREATE OR REPLACE FUNCTION nefos_test_fail() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'simulated database fault'; END $$ LANGUAGE plpgsql`);
      await prisma.$executeRawUnsafe(`
        CREATE TRIGGER nefos_test_fail BEFORE UPDATE ON "Server" FOR EACH ROW
        WHEN (OLD."id" = '${s.id}'::uuid) EXECUTE FUNCTION nefos_test_fail()`);
      const message = op(s, job, 'OP_INSTANCE_CREATE', 'success', T0 + 1000);
      const jobId = eventJobId(message);
      await raw.add('op', message, {
        ...EVENT_JOB_OPTIONS,
        attempts: 3,
        backoff: { type: 'fixed', delay: 50 },
        jobId,
      });
      const entry = await eventually('dead letter', async () =>
        (await dead.list()).find((e) => e.jobId === jobId),
      );
      expect(entry).toMatchObject({ reason: 'exhausted', queue: 'events.op' });
      expect(entry.failedReason).toMatch(/simulated database fault/);
      expect((await raw.getJob(jobId))!.attemptsMade).toBe(3);
      expect((await server(s.id)).operstate).toBe('BUILD');

      await prisma.$executeRawUnsafe(`DROP TRIGGER nefos_test_fail ON "Server"`);
      expect(await dead.retry(entry.id)).toEqual({ queue: 'events.op', jobId });
      await eventually('replayed', async () => (await server(s.id)).operstate === 'STARTED');
      expect((await dead.list()).find((e) => e.jobId === jobId)).toBeUndefined();
    });
  });
});
