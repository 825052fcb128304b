import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { testPrisma } from '../../../test/support/identity-fixtures';
import { C, caller, fault, seedCompute, type Caller } from '../../../test/compute/compute-fixtures';

const DETAIL_KEYS = [
  'OS-FLV-DISABLED:disabled',
  'OS-FLV-EXT-DATA:ephemeral',
  'disk',
  'id',
  'links',
  'name',
  'os-flavor-access:is_public',
  'ram',
  'rxtx_factor',
  'swap',
  'vcpus',
];

describe('flavors', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;
  let admin: Caller;
  let reader: Caller;

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
    admin = await caller(app, prisma, ['admin']);
    reader = await caller(app, prisma, ['reader']);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  describe('GET /flavors', () => {
    it('lists the seeded flavors by id with self and bookmark links', async () => {
      const res = await reader.get(`${C}/flavors`);
      expect(res.status).toBe(200);
      expect(res.body.flavors.map((f: { name: string }) => f.name)).toEqual([
        'm1.tiny',
        'm1.small',
        'm1.medium',
        'm1.large',
      ]);
      expect(Object.keys(res.body.flavors[0]).sort()).toEqual(['id', 'links', 'name']);
      expect(res.body.flavors[0].links).toEqual([
        { rel: 'self', href: `${env.config.api.publicUrl}/compute/v2.1/flavors/1` },
        { rel: 'bookmark', href: `${env.config.api.publicUrl}/compute/flavors/1` },
      ]);
      expect(res.body.flavors_links).toBeUndefined();
    });

    it('filters by minRam and minDisk', async () => {
      const res = await member.get(`${C}/flavors/detail?minRam=4096&minDisk=40`);
      expect(res.body.flavors.map((f: { name: string }) => f.name)).toEqual([
        'm1.medium',
        'm1.large',
      ]);
    });

    it('pages with limit and marker and links the next page', async () => {
      const first = await member.get(`${C}/flavors?limit=2`);
      expect(first.body.flavors.map((f: { id: string }) => f.id)).toEqual(['1', '2']);
      expect(first.body.flavors_links).toEqual([
        { rel: 'next', href: `${env.config.api.publicUrl}/compute/v2.1/flavors?limit=2&marker=2` },
      ]);
      const second = await member.get(`${C}/flavors?limit=2&marker=2`);
      expect(second.body.flavors.map((f: { id: string }) => f.id)).toEqual(['3', '4']);
    });

    it.each([
      ['limit=-1', 'limit'],
      ['limit=abc', 'limit'],
      ['marker=nope', 'marker [nope] not found'],
      ['minRam=big', 'minRam'],
      ['is_public=maybe', 'is_public'],
    ])('refuses %s with a 400 naming it', async (q, word) => {
      const res = await member.get(`${C}/flavors?${q}`);
      expect(res.status).toBe(400);
      expect(fault(res).name).toBe('badRequest');
      expect(fault(res).message).toContain(word);
    });
  });

  describe('GET /flavors/{id}', () => {
    it('shows exactly the v2.1 flavor keys', async () => {
      const res = await member.get(`${C}/flavors/2`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.flavor).sort()).toEqual(DETAIL_KEYS);
      expect(res.body.flavor).toMatchObject({
        id: '2',
        name: 'm1.small',
        ram: 2048,
        disk: 20,
        vcpus: 1,
        swap: '',
        'os-flavor-access:is_public': true,
      });
    });

    it('answers 404 itemNotFound for an unknown flavor', async () => {
      const res = await member.get(`${C}/flavors/999`);
      expect(res.status).toBe(404);
      expect(fault(res)).toEqual({
        name: 'itemNotFound',
        code: 404,
        message: 'Flavor 999 could not be found.',
      });
    });

    it('lists (empty) extra specs, as openstack flavor list asks for each flavor', async () => {
      const res = await member.get(`${C}/flavors/1/os-extra_specs`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ extra_specs: {} });
    });
  });

  describe('POST /flavors and DELETE /flavors/{id} (admin)', () => {
    it('creates a flavor, refuses a duplicate with 409, deletes it with 202', async () => {
      const body = {
        flavor: { name: 'x1.test', id: 'x1', ram: 256, vcpus: 1, disk: 2, swap: 128 },
      };
      const created = await admin.post(`${C}/flavors`, body);
      expect(created.status).toBe(200);
      expect(Object.keys(created.body.flavor).sort()).toEqual(DETAIL_KEYS);
      expect(created.body.flavor).toMatchObject({ id: 'x1', ram: 256, swap: 128 });
      const dup = await admin.post(`${C}/flavors`, body);
      expect(dup.status).toBe(409);
      expect(fault(dup)).toMatchObject({
        name: 'conflictingRequest',
        message: 'Flavor with ID x1 already exists.',
      });
      const byName = await admin.post(`${C}/flavors`, { flavor: { ...body.flavor, id: 'x2' } });
      expect(fault(byName).message).toBe('Flavor with name x1.test already exists.');
      expect((await admin.del(`${C}/flavors/x1`)).status).toBe(202);
      const list = await member.get(`${C}/flavors`);
      expect(list.body.flavors.map((f: { id: string }) => f.id)).not.toContain('x1');
      // Still showable by id: servers built with it keep pointing at it.
      expect((await member.get(`${C}/flavors/x1`)).status).toBe(200);
      expect((await admin.del(`${C}/flavors/x1`)).status).toBe(404);
      // The name is free again.
      const again = await admin.post(`${C}/flavors`, { flavor: { ...body.flavor, id: 'x3' } });
      expect(again.status).toBe(200);
    });

    it('generates a UUID id when none is given', async () => {
      const res = await admin.post(`${C}/flavors`, {
        flavor: { name: 'x4.auto', ram: '512', vcpus: 1, disk: 0 },
      });
      expect(res.status).toBe(200);
      expect(res.body.flavor.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.flavor.ram).toBe(512);
    });

    it('is refused to members with 403', async () => {
      const res = await member.post(`${C}/flavors`, {
        flavor: { name: 'nope', ram: 1, vcpus: 1, disk: 1 },
      });
      expect(res.status).toBe(403);
      expect((await member.del(`${C}/flavors/1`)).status).toBe(403);
    });

    it.each([
      [{ flavor: { name: 'a', ram: 'lots', vcpus: 1, disk: 1 } }, 'flavor.ram'],
      [{ flavor: { name: 'a', ram: 0, vcpus: 1, disk: 1 } }, 'flavor.ram'],
      [{ flavor: { name: 'a', ram: 1, vcpus: 1.5, disk: 1 } }, 'flavor.vcpus'],
      [{ flavor: { name: 'x'.repeat(256), ram: 1, vcpus: 1, disk: 1 } }, 'flavor.name'],
      [{ flavor: { name: ' padded', ram: 1, vcpus: 1, disk: 1 } }, 'flavor.name'],
      [{ flavor: { ram: 1, vcpus: 1, disk: 1 } }, 'flavor.name'],
      [{ flavor: { name: 'a', ram: 1, vcpus: 1, disk: 1, color: 'red' } }, "'color'"],
      [{ flavour: {} }, 'flavor: it is required'],
      [[], 'body'],
    ])('refuses %j with a 400 naming the field', async (body, word) => {
      const res = await admin.post(`${C}/flavors`, body);
      expect(res.status).toBe(400);
      expect(fault(res).name).toBe('badRequest');
      expect(fault(res).message).toContain(word);
    });

    it('refuses malformed JSON with 400', async () => {
      const res = await admin
        .post(`${C}/flavors`)
        .set('Content-Type', 'application/json')
        .send('{"flavor": ');
      expect(res.status).toBe(400);
      expect(fault(res).name).toBe('badRequest');
    });
  });

  describe('extra specs (admin writes)', () => {
    it('sets, shows, updates and deletes one spec', async () => {
      const set = await admin.post(`${C}/flavors/3/os-extra_specs`, {
        extra_specs: { 'hw:cpu_policy': 'shared' },
      });
      expect(set.status).toBe(200);
      expect((await member.get(`${C}/flavors/3/os-extra_specs/hw:cpu_policy`)).body).toEqual({
        'hw:cpu_policy': 'shared',
      });
      const put = await admin.put(`${C}/flavors/3/os-extra_specs/hw:cpu_policy`, {
        'hw:cpu_policy': 'dedicated',
      });
      expect(put.status).toBe(200);
      const mismatch = await admin.put(`${C}/flavors/3/os-extra_specs/hw:cpu_policy`, {
        other: 'x',
      });
      expect(mismatch.status).toBe(400);
      expect(
        (await member.post(`${C}/flavors/3/os-extra_specs`, { extra_specs: { a: 'b' } })).status,
      ).toBe(403);
      expect((await admin.del(`${C}/flavors/3/os-extra_specs/hw:cpu_policy`)).status).toBe(200);
      expect((await member.get(`${C}/flavors/3/os-extra_specs/hw:cpu_policy`)).status).toBe(404);
    });
  });

  describe('private flavors', () => {
    it('are listed for admins with is_public=false and hidden from other projects', async () => {
      await admin.post(`${C}/flavors`, {
        flavor: {
          name: 'p1.private',
          id: 'p1',
          ram: 64,
          vcpus: 1,
          disk: 1,
          'os-flavor-access:is_public': false,
        },
      });
      const adminList = await admin.get(`${C}/flavors?is_public=false`);
      expect(adminList.body.flavors.map((f: { id: string }) => f.id)).toEqual(['p1']);
      const all = await admin.get(`${C}/flavors?is_public=none`);
      expect(all.body.flavors.map((f: { id: string }) => f.id)).toContain('p1');
      expect(
        (await member.get(`${C}/flavors`)).body.flavors.map((f: { id: string }) => f.id),
      ).not.toContain('p1');
      expect((await member.get(`${C}/flavors/p1`)).status).toBe(404);
      await prisma.flavorAccess.create({ data: { flavorId: 'p1', projectId: member.projectId } });
      expect((await member.get(`${C}/flavors/p1`)).status).toBe(200);
    });
  });
});
