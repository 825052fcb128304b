import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import pino from 'pino';
import {
  EventPublisher,
  QueueName,
  type EventMessageInput,
  type NefosConfig,
} from '@nefos/contracts';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../test/support/test-env';
import { testPrisma } from '../../test/support/identity-fixtures';
import { ts } from '../../test/events/support/job-queue.writer';
import { QueueInspector, eventually } from '../../test/events/support/queues';
import {
  createBuildingServer,
  seedWorld,
  type ServerFixture,
} from '../../test/events/support/server-fixtures';
import { DispatcherModule } from '../dispatcher.module';

const T0 = Date.UTC(2031, 0, 1);

/**
 * Each eventd names its cluster in every message; the dispatcher applies a message only to a
 * server whose backend has that name. Two backends here: the seeded `nefos-local`, where the
 * servers live, and `zone-b`, whose eventd speaks about instances it should not know.
 */
describe('dispatcher routing by cluster', () => {
  let env: TestEnv;
  let config: NefosConfig;
  let prisma: PrismaClient;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  let app: INestApplicationContext;
  let publisher: EventPublisher;
  let inspector: QueueInspector;
  let jobSeq = 500;

  /** Publishes and waits until the dispatcher finished with it; returns its outcome. */
  async function deliver(message: EventMessageInput): Promise<unknown> {
    const id = await publisher.publish(message);
    const queue = inspector.queue(
      message.type === 'op' ? QueueName.Op : (`events.${message.type}` as QueueName),
    );
    let outcome: unknown;
    await eventually(`processing of ${id}`, async () => {
      const job = await queue.getJob(id);
      if (!job || !(await job.isCompleted())) return false;
      outcome = job.returnvalue;
      return true;
    });
    return outcome;
  }

  function op(
    s: ServerFixture,
    cluster: string,
    jobId: number,
    operation: string,
    status: 'running' | 'success',
    atMs: number,
  ): EventMessageInput {
    return {
      type: 'op',
      cluster,
      jobId,
      opIndex: 0,
      operation,
      status,
      eventTime: ts(atMs),
      logmsg: `${operation} ${status}`,
      instance: s.instance,
      jobFields: {},
    } as EventMessageInput;
  }

  beforeAll(async () => {
    env = await createTestEnv();
    config = env.config;
    prisma = testPrisma(env.databaseUrl);
    world = await seedWorld(prisma, config);
    await prisma.backend.create({
      data: {
        name: 'zone-b',
        rapiUrl: 'https://127.0.0.1:9',
        rapiUser: 'nefos',
        rapiPassword: 'x',
      },
    });
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

  it('ignores an op message from another cluster: state, job bookkeeping and trail unchanged', async () => {
    const job = ++jobSeq;
    const s = await createBuildingServer(prisma, config, world, job);
    const before = await prisma.server.findUniqueOrThrow({ where: { id: s.id } });
    const trailBefore = await prisma.serverTrail.count({ where: { serverId: s.id } });
    const outcome = await deliver(op(s, 'zone-b', job, 'OP_INSTANCE_CREATE', 'success', T0));
    expect(outcome).toBe('foreign-cluster');
    const after = await prisma.server.findUniqueOrThrow({ where: { id: s.id } });
    expect(after).toEqual(before);
    expect(await prisma.serverTrail.count({ where: { serverId: s.id } })).toBe(trailBefore);
    // The same message from the server's own cluster applies.
    expect(await deliver(op(s, 'nefos-local', job, 'OP_INSTANCE_CREATE', 'success', T0))).toBe(
      'applied',
    );
    expect(await prisma.server.findUniqueOrThrow({ where: { id: s.id } })).toMatchObject({
      operstate: 'STARTED',
    });
  });

  it('ignores build progress from another cluster', async () => {
    const job = ++jobSeq;
    const s = await createBuildingServer(prisma, config, world, job);
    const progress = (cluster: string, value: number) =>
      ({
        type: 'progress',
        cluster,
        jobId: job,
        opIndex: 0,
        operation: 'OP_INSTANCE_CREATE',
        status: 'running',
        eventTime: ts(T0 + value),
        logmsg: '',
        instance: s.instance,
        progress: value,
      }) as EventMessageInput;
    expect(await deliver(progress('zone-b', 60))).toBe('foreign-cluster');
    expect((await prisma.server.findUniqueOrThrow({ where: { id: s.id } })).buildProgress).toBe(0);
    expect(await deliver(progress('nefos-local', 40))).toBe('applied');
    expect((await prisma.server.findUniqueOrThrow({ where: { id: s.id } })).buildProgress).toBe(40);
  });

  it('ignores a message about a server that was never placed on a backend', async () => {
    const job = ++jobSeq;
    const s = await createBuildingServer(prisma, config, world, job);
    await prisma.server.update({ where: { id: s.id }, data: { backendId: null } });
    expect(await deliver(op(s, 'nefos-local', job, 'OP_INSTANCE_CREATE', 'success', T0))).toBe(
      'foreign-cluster',
    );
    expect((await prisma.server.findUniqueOrThrow({ where: { id: s.id } })).operstate).toBe(
      'BUILD',
    );
  });
});
