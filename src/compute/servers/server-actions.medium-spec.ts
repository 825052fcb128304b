import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { testPrisma } from '../../../test/support/identity-fixtures';
import {
  C,
  caller,
  fault,
  insertServer,
  seedCompute,
  type Caller,
} from '../../../test/compute/compute-fixtures';

/**
 * Action rules that hold whatever the backend does: validation, ownership, state and pending-task
 * conflicts, and a backend that does not answer (nothing listens on the RAPI port here). The jobs
 * a running master accepts are covered by test/compute/server-lifecycle.e2e-spec.ts.
 */
describe('POST /servers/{id}/action', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;
  let other: Caller;
  let reader: Caller;

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_RAPI_TIMEOUT_MS: '1000', NEFOS_RAPI_RETRIES: '0' });
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
    other = await caller(app, prisma, ['member']);
    reader = await caller(app, prisma, ['reader']);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  const act = (who: Caller, id: string, body: unknown) =>
    who.post(`${C}/servers/${id}/action`, body);

  describe('body and action validation', () => {
    it.each([
      [{}, 'exactly one action'],
      [{ reboot: { type: 'SOFT' }, 'os-stop': null }, 'exactly one action'],
      [{ lock: null }, 'There is no such action: lock'],
      [{ reboot: { type: 'MEDIUM' } }, 'reboot.type'],
      [{ reboot: {} }, 'reboot.type'],
      [{ reboot: 'HARD' }, 'reboot'],
      [{ 'os-start': { now: true } }, "'now'"],
      [{ resize: { flavorRef: {} } }, 'resize.flavorRef'],
      [{ rebuild: { imageRef: 5 } }, 'rebuild.imageRef'],
      [{ changePassword: { adminPass: '' } }, 'changePassword.adminPass'],
      [{ createImage: { name: 'x'.repeat(300) } }, 'createImage.name'],
    ])('refuses %j with 400 naming the problem', async (body, words) => {
      const id = await insertServer(prisma, member);
      const res = await act(member, id, body);
      expect(res.status).toBe(400);
      expect(fault(res)).toMatchObject({
        name: 'badRequest',
        message: expect.stringContaining(words),
      });
    });

    it('refuses malformed JSON with 400', async () => {
      const id = await insertServer(prisma, member);
      const res = await member
        .post(`${C}/servers/${id}/action`)
        .set('Content-Type', 'application/json')
        .send('{"reboot": {"type": ');
      expect(res.status).toBe(400);
    });
  });

  describe('ownership and roles', () => {
    it("answers 404 for another project's server and for a missing one", async () => {
      const id = await insertServer(prisma, other);
      expect((await act(member, id, { reboot: { type: 'SOFT' } })).status).toBe(404);
      expect(
        (await act(member, '00000000-0000-4000-8000-000000000000', { 'os-stop': null })).status,
      ).toBe(404);
    });

    it('refuses readers with 403', async () => {
      const id = await insertServer(prisma, member);
      expect((await act(reader, id, { 'os-stop': null })).status).toBe(403);
    });
  });

  describe('state rules (409 conflictingRequest)', () => {
    it.each([
      ['BUILD', 'spawning', { reboot: { type: 'SOFT' } }, 'task_state spawning'],
      ['STARTED', 'rebooting', { reboot: { type: 'HARD' } }, 'task_state rebooting'],
      ['STARTED', 'powering-off', { 'os-stop': null }, 'task_state powering-off'],
      ['STARTED', null, { 'os-start': null }, 'vm_state active'],
      ['STOPPED', null, { 'os-stop': null }, 'vm_state stopped'],
      ['STOPPED', null, { reboot: { type: 'SOFT' } }, 'vm_state stopped'],
      ['STOPPED', null, { reboot: { type: 'HARD' } }, 'vm_state stopped'],
      ['ERROR', null, { 'os-start': null }, 'vm_state error'],
      ['STARTED', null, { confirmResize: null }, 'vm_state active'],
      ['STARTED', null, { revertResize: null }, 'vm_state active'],
      ['BUILD', null, { rebuild: { imageRef: '$image' } }, 'vm_state building'],
    ] as const)('refuses in %s with task %s: %j', async (operstate, task, body, words) => {
      const id = await insertServer(prisma, member, { operstate, task });
      const image = await prisma.image.findFirstOrThrow();
      const res = await act(
        member,
        id,
        JSON.parse(JSON.stringify(body).replace('$image', image.id)),
      );
      expect(res.status).toBe(409);
      expect(fault(res)).toMatchObject({
        name: 'conflictingRequest',
        message: expect.stringContaining(words),
      });
    });

    it('refuses everything but confirm, revert and delete while a resize waits for confirmation', async () => {
      const id = await insertServer(prisma, member, {
        operstate: 'STARTED',
        resizePending: true,
        oldFlavorId: '2',
      });
      const res = await act(member, id, { reboot: { type: 'SOFT' } });
      expect(res.status).toBe(409);
      expect(fault(res).message).toContain('vm_state resized');
    });

    it('confirms a resize without a backend job (204), after which it is ACTIVE', async () => {
      const id = await insertServer(prisma, member, {
        operstate: 'STARTED',
        resizePending: true,
        oldFlavorId: '2',
      });
      expect((await act(member, id, { confirmResize: null })).status).toBe(204);
      expect((await member.get(`${C}/servers/${id}`)).body.server.status).toBe('ACTIVE');
      expect(await prisma.server.findUniqueOrThrow({ where: { id } })).toMatchObject({
        resizePending: false,
        oldFlavorId: null,
      });
    });
  });

  describe('resize checks', () => {
    it('refuses the same flavor and a flavor with another disk size with 400', async () => {
      const id = await insertServer(prisma, member, { operstate: 'STARTED', flavorId: '2' });
      expect(fault(await act(member, id, { resize: { flavorRef: '2' } })).message).toBe(
        'When resizing, instances must change flavor!',
      );
      const disk = await act(member, id, { resize: { flavorRef: '3' } });
      expect(disk.status).toBe(400);
      expect(fault(disk).message).toContain('Resizing the disk is not supported');
      expect(fault(await act(member, id, { resize: { flavorRef: '77' } })).message).toContain(
        'Flavor 77 could not be found',
      );
    });
  });

  describe('changePassword and createImage', () => {
    it('explains that an image without a guest agent needs a rebuild (409)', async () => {
      const id = await insertServer(prisma, member);
      const res = await act(member, id, { changePassword: { adminPass: 'n3w-pass' } });
      expect(res.status).toBe(409);
      expect(fault(res).message).toContain('rebuild the server with a new adminPass');
    });

    it('answers 501 for snapshots', async () => {
      const id = await insertServer(prisma, member);
      const res = await act(member, id, { createImage: { name: 'snap' } });
      expect(res.status).toBe(501);
      expect(fault(res).name).toBe('notImplemented');
    });
  });

  describe('a backend that does not answer', () => {
    it('answers 503 and leaves the server as it was, with a line in its trail', async () => {
      const id = await insertServer(prisma, member, { operstate: 'STARTED' });
      const res = await act(member, id, { reboot: { type: 'SOFT' } });
      expect(res.status).toBe(503);
      expect(fault(res)).toMatchObject({
        name: 'serviceUnavailable',
        message: expect.stringContaining('try again later'),
      });
      expect(await prisma.server.findUniqueOrThrow({ where: { id } })).toMatchObject({
        task: null,
        taskJobId: null,
        operstate: 'STARTED',
      });
      const trail = await prisma.serverTrail.findMany({ where: { serverId: id } });
      expect(trail).toEqual([
        expect.objectContaining({
          source: 'api',
          requestId: res.headers['x-openstack-request-id'],
          message: expect.stringContaining('reboot refused'),
        }),
      ]);
    });
  });
});

describe('server metadata, ips and security groups', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;
  let other: Caller;

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
    other = await caller(app, prisma, ['member']);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  it('creates, merges, replaces, shows and deletes metadata with the Nova verbs and codes', async () => {
    const id = await insertServer(prisma, member);
    const base = `${C}/servers/${id}/metadata`;
    expect((await member.get(base)).body).toEqual({ metadata: {} });
    const post = await member.post(base, { metadata: { a: '1', b: '2' } });
    expect(post.status).toBe(200);
    expect(post.body).toEqual({ metadata: { a: '1', b: '2' } });
    expect((await member.post(base, { metadata: { b: '3' } })).body).toEqual({
      metadata: { a: '1', b: '3' },
    });
    const put = await member.put(base, { metadata: { c: '4' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ metadata: { c: '4' } });
    const item = await member.put(`${base}/d`, { meta: { d: '5' } });
    expect(item.status).toBe(200);
    expect(item.body).toEqual({ meta: { d: '5' } });
    expect((await member.get(`${base}/d`)).body).toEqual({ meta: { d: '5' } });
    expect((await member.del(`${base}/d`)).status).toBe(204);
    expect((await member.get(`${base}/d`)).status).toBe(404);
    expect((await member.del(`${base}/d`)).status).toBe(404);
    expect((await member.get(`${C}/servers/${id}`)).body.server.metadata).toEqual({ c: '4' });
  });

  it('refuses bad metadata bodies with 400 naming the field', async () => {
    const id = await insertServer(prisma, member);
    const base = `${C}/servers/${id}/metadata`;
    expect(fault(await member.post(base, { metadata: { k: 'v'.repeat(256) } })).message).toContain(
      'metadata.k',
    );
    expect(fault(await member.post(base, { metadata: { k: 1 } })).message).toContain('metadata.k');
    expect(fault(await member.post(base, { meta: { k: 'v' } })).message).toContain('metadata');
    expect(fault(await member.put(`${base}/x`, { meta: { y: '1' } })).message).toBe(
      'Request body and URI mismatch',
    );
    expect(fault(await member.put(`${base}/x`, { meta: { x: '1', y: '2' } })).message).toContain(
      'exactly one',
    );
  });

  it('holds each server to the metadata_items limit (403)', async () => {
    const q = await caller(app, prisma, ['member']);
    await prisma.quota.create({
      data: { projectId: q.projectId, resource: 'metadata_items', limit: 2 },
    });
    const id = await insertServer(prisma, q);
    expect(
      (await q.post(`${C}/servers/${id}/metadata`, { metadata: { a: '1', b: '2' } })).status,
    ).toBe(200);
    const res = await q.put(`${C}/servers/${id}/metadata/c`, { meta: { c: '3' } });
    expect(res.status).toBe(403);
    expect(fault(res).message).toContain('metadata_items');
    // Another server of the same project has its own allowance.
    const second = await insertServer(prisma, q);
    expect(
      (await q.post(`${C}/servers/${second}/metadata`, { metadata: { a: '1', b: '2' } })).status,
    ).toBe(200);
  });

  it("answers 404 for another project's server metadata", async () => {
    const id = await insertServer(prisma, other);
    expect((await member.get(`${C}/servers/${id}/metadata`)).status).toBe(404);
    expect(
      (await member.post(`${C}/servers/${id}/metadata`, { metadata: { a: '1' } })).status,
    ).toBe(404);
    expect((await member.del(`${C}/servers/${id}/metadata/a`)).status).toBe(404);
  });

  it('lists addresses by network, one network, and no security groups', async () => {
    const id = await insertServer(prisma, member);
    const net = await prisma.network.findFirstOrThrow({
      where: { isDefault: true },
      include: { subnets: true },
    });
    const port = await prisma.port.create({
      data: {
        networkId: net.id,
        serverId: id,
        projectId: member.projectId,
        macAddress: 'aa:00:00:00:00:09',
      },
    });
    await prisma.ipAddress.create({
      data: { subnetId: net.subnets[0].id, address: '10.99.0.9', portId: port.id },
    });
    expect((await member.get(`${C}/servers/${id}/ips`)).body).toEqual({
      addresses: { public: [{ version: 4, addr: '10.99.0.9' }] },
    });
    expect((await member.get(`${C}/servers/${id}/ips/public`)).body).toEqual({
      public: [{ version: 4, addr: '10.99.0.9' }],
    });
    expect((await member.get(`${C}/servers/${id}/ips/private`)).status).toBe(404);
    expect((await member.get(`${C}/servers/${id}/os-security-groups`)).body).toEqual({
      security_groups: [],
    });
    expect((await other.get(`${C}/servers/${id}/ips`)).status).toBe(404);
  });
});
