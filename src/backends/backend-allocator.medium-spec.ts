import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../test/support/test-env';
import { createTestApiApp } from '../../test/support/api-app';
import { testPrisma } from '../../test/support/identity-fixtures';
import { FakeRapi, type FakeNode } from '../../test/support/fake-rapi';
import {
  C,
  caller,
  fault,
  seedCompute,
  seededImageId,
  type Caller,
} from '../../test/compute/compute-fixtures';

const TINY = { vcpus: 1, ramMb: 512, diskGb: 1 }; // m1.tiny, flavor id 1
const A = '/admin/api/backends';

/** One node with room for `tiny` m1.tiny servers by memory (disk and CPUs to spare). */
function nodeFor(tiny: number): FakeNode {
  return {
    name: 'node1',
    ctotal: 64,
    mtotal: 65536,
    mfree: tiny * TINY.ramMb,
    dtotal: 1024 * 1024,
    dfree: 1024 * 1024,
  };
}

/**
 * The allocator against a real database, several backends at once. Each backend is a FakeRapi
 * (a stand-in at the RAPI boundary that accepts every job), registered through the admin API and
 * pinned to the test's own project, so tests do not see each other's backends.
 */
describe('backend allocator', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let admin: Caller;
  let imageId: string;
  const fakes: FakeRapi[] = [];

  const patch = (path: string, body: unknown) =>
    request(app.getHttpServer())
      .patch(path)
      .set('X-Auth-Token', admin.token)
      .send(body as object);
  const boot = (name: string) => ({ server: { name, flavorRef: '1', imageRef: imageId } });

  /** A project with unlimited quota. */
  async function project(): Promise<Caller> {
    const who = await caller(app, prisma, ['member']);
    await prisma.quota.createMany({
      data: ['instances', 'cores', 'ram', 'disk'].map((resource) => ({
        projectId: who.projectId,
        resource,
        limit: -1,
      })),
    });
    return who;
  }

  /** A backend with its own fake RAPI, added through the admin API. */
  async function addBackend(
    name: string,
    nodes: FakeNode[],
    extra: Record<string, unknown> = {},
  ): Promise<FakeRapi> {
    const fake = new FakeRapi(name, nodes);
    await fake.start();
    fakes.push(fake);
    const res = await admin.post(A, {
      name,
      rapiUrl: fake.url,
      rapiPassword: 'secret',
      hypervisor: 'fake',
      ...extra,
    });
    expect(res.status).toBe(201);
    expect(res.body.refresh).toEqual({ ok: true });
    return fake;
  }

  async function placements(ids: string[]): Promise<Record<string, number>> {
    const rows = await prisma.server.findMany({
      where: { id: { in: ids } },
      select: { operstate: true, backend: { select: { name: true } } },
    });
    const counts: Record<string, number> = {};
    for (const r of rows) {
      const k = r.operstate === 'ERROR' ? 'ERROR' : (r.backend?.name ?? 'none');
      counts[k] = (counts[k] ?? 0) + 1;
    }
    return counts;
  }

  async function createMany(who: Caller, n: number, prefix: string): Promise<string[]> {
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => who.post(`${C}/servers`, boot(`${prefix}-${i}`))),
    );
    expect(results.filter((r) => r.status !== 202).map((r) => [r.status, r.body])).toEqual([]);
    return results.map((r) => r.body.server.id as string);
  }

  beforeAll(async () => {
    env = await createTestEnv({
      NEFOS_RAPI_TIMEOUT_MS: '2000',
      NEFOS_RAPI_RETRIES: '0',
      NEFOS_ALLOCATOR_CAPACITY_MAX_AGE: '3600',
    });
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    // The seeded backend's RAPI does not answer here: out of the way.
    await prisma.backend.updateMany({ data: { offline: true } });
    app = await createTestApiApp(env);
    admin = await caller(app, prisma, ['admin']);
    imageId = await seededImageId(prisma);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    for (const f of fakes) await f.stop();
    await env.cleanup();
  });

  describe('POST /servers', () => {
    it('spreads a burst of creates evenly across three equal backends', async () => {
      const who = await project();
      const pin = { projects: [who.projectId] };
      const fs = [
        await addBackend('spread-a', [nodeFor(32)], pin),
        await addBackend('spread-b', [nodeFor(32)], pin),
        await addBackend('spread-c', [nodeFor(32)], pin),
      ];
      const ids = await createMany(who, 30, 'spread');
      expect(await placements(ids)).toEqual({ 'spread-a': 10, 'spread-b': 10, 'spread-c': 10 });
      expect(fs.map((f) => f.creates.length)).toEqual([10, 10, 10]);
      const b = await prisma.backend.findUniqueOrThrow({ where: { name: 'spread-a' } });
      expect(b.mfree).toBe(22 * TINY.ramMb); // 32 - 10, taken off at once, before any event
    });

    it('prefers the least loaded backend', async () => {
      const who = await project();
      const pin = { projects: [who.projectId] };
      await addBackend('load-busy', [{ ...nodeFor(4), mtotal: 8192 }], pin);
      await addBackend('load-idle', [{ ...nodeFor(16), mtotal: 8192 }], pin);
      const ids = await createMany(who, 3, 'load');
      expect(await placements(ids)).toEqual({ 'load-idle': 3 });
    });

    it('places no more servers than the backends hold under 50 concurrent creates', async () => {
      const who = await project();
      const pin = { projects: [who.projectId] };
      const room = { 'cap-a': 5, 'cap-b': 7, 'cap-c': 8 };
      const fs = [
        await addBackend('cap-a', [nodeFor(room['cap-a'])], pin),
        await addBackend('cap-b', [nodeFor(room['cap-b'])], pin),
        await addBackend('cap-c', [nodeFor(room['cap-c'])], pin),
      ];
      const ids = await createMany(who, 50, 'cap');
      expect(await placements(ids)).toEqual({ ...room, ERROR: 30 });
      expect(fs.map((f) => f.creates.length)).toEqual([5, 7, 8]);
      const rows = await prisma.backend.findMany({ where: { name: { in: Object.keys(room) } } });
      for (const b of rows) expect(b.mfree).toBe(0);
      const refused = await who.get(`${C}/servers/${ids[ids.length - 1]}`);
      const failed = (
        await prisma.server.findMany({ where: { id: { in: ids }, operstate: 'ERROR' } })
      )[0];
      expect(refused.status).toBe(200);
      const shown = await who.get(`${C}/servers/${failed.id}`);
      expect(shown.body.server.status).toBe('ERROR');
      expect(shown.body.server.fault).toMatchObject({
        code: 500,
        message: expect.stringMatching(
          /^No valid host was found\. No backend has room for 512 MiB/,
        ),
      });
      // The quota held for a server that could not be placed is given back.
      const usage = await prisma.quotaUsage.findFirstOrThrow({
        where: { projectId: who.projectId, resource: 'instances' },
      });
      expect(usage).toMatchObject({ inUse: 0, reserved: 20 });
    });

    it('skips drained and offline backends, and never calls an offline one', async () => {
      const who = await project();
      const pin = { projects: [who.projectId] };
      const drained = await addBackend('skip-drained', [nodeFor(32)], { ...pin, drained: true });
      const offline = await addBackend('skip-offline', [nodeFor(32)], pin);
      expect((await patch(`${A}/skip-offline`, { offline: true })).status).toBe(200);
      const callsBefore = offline.calls.length;
      const open = await addBackend('skip-open', [nodeFor(2)], pin);
      const ids = await createMany(who, 3, 'skip');
      expect(await placements(ids)).toEqual({ 'skip-open': 2, ERROR: 1 });
      expect(drained.creates).toHaveLength(0);
      expect(offline.calls.length).toBe(callsBefore);
      expect(open.creates).toHaveLength(2);
    });

    it('uses a pinned backend only for its projects', async () => {
      const mine = await project();
      const other = await project();
      // The pinned backend is idle, the public one busy: still only "mine" gets the pinned one.
      await addBackend('pin-private', [nodeFor(64)], { projects: [mine.projectId] });
      const pub = await addBackend('pin-public', [{ ...nodeFor(8), mtotal: 65536 }]);
      const mineIds = await createMany(mine, 4, 'pin-mine');
      const otherIds = await createMany(other, 4, 'pin-other');
      expect(await placements(mineIds)).toEqual({ 'pin-private': 4 });
      expect(await placements(otherIds)).toEqual({ 'pin-public': 4 });
      expect(pub.creates).toHaveLength(4);
      const view = await admin.get(`${A}/pin-private`);
      expect(view.body.backend).toMatchObject({ public: false, projects: [mine.projectId] });
      // Public again: now every project may land there (and it is the least loaded).
      await patch(`${A}/pin-public`, { drained: true });
      expect((await patch(`${A}/pin-private`, { public: true })).body.backend).toMatchObject({
        public: true,
      });
      expect(await placements(await createMany(other, 1, 'pin-now'))).toEqual({ 'pin-private': 1 });
      await patch(`${A}/pin-private`, { drained: true }); // out of the later tests' way
    });

    it('gives the room back when the backend refuses the create', async () => {
      const who = await project();
      const fake = await addBackend('refuse', [nodeFor(4)], { projects: [who.projectId] });
      fake.refuseCreates = true;
      const [id] = await createMany(who, 1, 'refused');
      const shown = await who.get(`${C}/servers/${id}`);
      expect(shown.body.server.status).toBe('ERROR');
      expect(shown.body.server.fault.message).toMatch(/refuse refused to create the server/);
      const b = await prisma.backend.findUniqueOrThrow({ where: { name: 'refuse' } });
      expect(b.mfree).toBe(4 * TINY.ramMb);
    });

    it('re-reads capacity older than the configured age before placing, keeping placements in flight', async () => {
      const who = await project();
      const fake = await addBackend('stale', [nodeFor(4)], { projects: [who.projectId] });
      await createMany(who, 1, 'stale-first');
      // The cluster grew meanwhile; the stored figures are from long ago.
      fake.nodes = [nodeFor(10)];
      await prisma.backend.update({
        where: { name: 'stale' },
        data: { capacityAt: new Date('2020-01-01T00:00:00Z') },
      });
      const reads = fake.calls.filter((c) => c.path === '/2/nodes').length;
      await createMany(who, 1, 'stale-second');
      expect(fake.calls.filter((c) => c.path === '/2/nodes').length).toBe(reads + 1);
      const b = await prisma.backend.findUniqueOrThrow({ where: { name: 'stale' } });
      // 10 free as read, minus the two servers whose create job has not started yet.
      expect(b.mfree).toBe(8 * TINY.ramMb);
      expect(b.capacityAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    });

    it('puts a server in ERROR with an actionable fault when no backend is open to the project', async () => {
      const who = await project();
      const [id] = await createMany(who, 1, 'nowhere');
      const shown = await who.get(`${C}/servers/${id}`);
      expect(shown.body.server.status).toBe('ERROR');
      expect(shown.body.server.fault.message).toMatch(/No valid host was found/);
    });
  });

  describe('a server on an offline backend', () => {
    let who: Caller;
    let fake: FakeRapi;
    let serverId: string;

    beforeAll(async () => {
      who = await project();
      fake = await addBackend('offline-home', [nodeFor(8)], { projects: [who.projectId] });
      const b = await prisma.backend.findUniqueOrThrow({ where: { name: 'offline-home' } });
      const image = await prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
      await prisma.flavor.create({
        data: { id: 'tiny-plus', name: 'm1.tiny-plus', vcpus: 2, ramMb: 1024, diskGb: 1 },
      });
      serverId = randomUUID();
      await prisma.server.create({
        data: {
          id: serverId,
          name: 'built',
          projectId: who.projectId,
          userId: who.userId,
          flavorId: '1',
          imageId: image.id,
          backendId: b.id,
          instanceName: `nefos-${serverId}`,
          operstate: 'STARTED',
          backendJobId: 1,
          hostNode: 'node1',
          launchedAt: new Date(),
        },
      });
      expect((await patch(`${A}/offline-home`, { offline: true })).status).toBe(200);
    });

    it.each([
      ['reboot', { reboot: { type: 'SOFT' } }],
      ['stop', { 'os-stop': null }],
      ['resize', { resize: { flavorRef: 'tiny-plus' } }],
      ['rebuild', { rebuild: { imageRef: 'IMAGE' } }],
      ['console', { 'os-getVNCConsole': { type: 'novnc' } }],
    ])('answers 503 to %s and calls nothing', async (_name, raw) => {
      const body = JSON.parse(JSON.stringify(raw).replace('IMAGE', imageId)) as object;
      const before = fake.calls.length;
      const res = await who.post(`${C}/servers/${serverId}/action`, body);
      expect(res.status).toBe(503);
      expect(fault(res)).toMatchObject({
        name: 'serviceUnavailable',
        message: expect.stringMatching(/backend offline-home is offline/),
      });
      expect(fake.calls.length).toBe(before);
    });

    it('answers 503 to delete and keeps the server', async () => {
      const res = await who.del(`${C}/servers/${serverId}`);
      expect(res.status).toBe(503);
      expect(fault(res).message).toMatch(
        /Cannot 'delete' instance .* backend offline-home is offline/,
      );
      const row = await prisma.server.findUniqueOrThrow({ where: { id: serverId } });
      expect(row).toMatchObject({ deleted: false, task: null });
    });

    it('acts again once the backend is back online', async () => {
      expect((await patch(`${A}/offline-home`, { offline: false })).status).toBe(200);
      const res = await who.post(`${C}/servers/${serverId}/action`, { reboot: { type: 'SOFT' } });
      expect(res.status).toBe(202);
      expect(fake.calls.some((c) => c.path === `/2/instances/nefos-${serverId}/reboot`)).toBe(true);
    });
  });

  describe('/admin/api/backends', () => {
    it('refuses to remove a backend while live servers are on it (409), removes an empty one', async () => {
      const who = await project();
      await addBackend('keep', [nodeFor(4)], { projects: [who.projectId] });
      await createMany(who, 1, 'keep');
      const refused = await admin.del(`${A}/keep`);
      expect(refused.status).toBe(409);
      expect(fault(refused).message).toMatch(/Backend keep still holds 1 server/);
      await addBackend('empty', [nodeFor(4)]);
      expect((await admin.del(`${A}/empty`)).status).toBe(204);
      expect((await admin.get(`${A}/empty`)).status).toBe(404);
    });

    it('validates what it is given', async () => {
      const dup = await admin.post(A, {
        name: 'keep',
        rapiUrl: 'https://127.0.0.1:9',
        rapiPassword: 'x',
        check: false,
      });
      expect(dup.status).toBe(409);
      const unknown = await admin.post(A, {
        name: 'ghost',
        rapiUrl: 'https://127.0.0.1:9',
        rapiPassword: 'x',
        projects: ['no-such-project'],
        check: false,
      });
      expect(unknown.status).toBe(400);
      expect(fault(unknown).message).toMatch(/Project "no-such-project" could not be found/);
      expect((await patch(`${A}/keep`, {})).status).toBe(400);
      expect((await patch(`${A}/keep`, { colour: 'red' })).status).toBe(400);
      const member = await project();
      expect((await member.post(A, { name: 'x' })).status).toBe(403);
    });

    it('documents adding, changing and removing backends in the admin OpenAPI document', async () => {
      const doc = await admin.get('/admin/api/openapi.json');
      const paths = doc.body.paths as Record<string, Record<string, unknown>>;
      expect(Object.keys(paths[A])).toEqual(expect.arrayContaining(['get', 'post']));
      expect(Object.keys(paths[`${A}/{name}`])).toEqual(
        expect.arrayContaining(['get', 'patch', 'delete']),
      );
      expect(JSON.stringify(paths[`${A}/{name}`].patch)).toMatch(/"unpin"/);
    });
  });
});
