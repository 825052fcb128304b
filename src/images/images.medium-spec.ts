import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../test/support/test-env';
import { createTestApiApp } from '../../test/support/api-app';
import { testPrisma } from '../../test/support/identity-fixtures';
import {
  C,
  caller,
  fault,
  seedCompute,
  seededImageId,
  type Caller,
} from '../../test/compute/compute-fixtures';

const COMPUTE_IMAGE_KEYS = [
  'OS-EXT-IMG-SIZE:size',
  'created',
  'id',
  'links',
  'metadata',
  'minDisk',
  'minRam',
  'name',
  'progress',
  'status',
  'updated',
];

describe('images (compute proxy and Glance v2 subset)', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;
  let other: Caller;
  let admin: Caller;
  let publicId: string;
  let privateId: string;

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
    other = await caller(app, prisma, ['member']);
    admin = await caller(app, prisma, ['admin']);
    publicId = await seededImageId(prisma);
    const priv = await prisma.image.create({
      data: {
        name: 'mine',
        ownerProjectId: member.projectId,
        visibility: 'private',
        status: 'active',
        diskFormat: 'qcow2',
        containerFormat: 'bare',
        location: 'mine.qcow2',
        sizeBytes: 1024n,
        properties: { create: [{ key: 'os_distro', value: 'debian' }] },
      },
    });
    privateId = priv.id;
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  describe('GET /compute/v2.1/images', () => {
    it('lists public images and the project own ones, newest first', async () => {
      const res = await member.get(`${C}/images`);
      expect(res.status).toBe(200);
      expect(res.body.images.map((i: { id: string }) => i.id)).toEqual([privateId, publicId]);
      expect(res.body.images[0].links.map((l: { rel: string }) => l.rel)).toEqual([
        'self',
        'bookmark',
        'alternate',
      ]);
      const others = await other.get(`${C}/images`);
      expect(others.body.images.map((i: { id: string }) => i.id)).toEqual([publicId]);
    });

    it('shows exactly the image keys with status and metadata', async () => {
      const res = await member.get(`${C}/images/${privateId}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.image).sort()).toEqual(COMPUTE_IMAGE_KEYS);
      expect(res.body.image).toMatchObject({
        status: 'ACTIVE',
        progress: 100,
        metadata: { os_distro: 'debian' },
        'OS-EXT-IMG-SIZE:size': 1024,
      });
    });

    it("answers 404 for another project's private image and for garbage ids", async () => {
      expect((await other.get(`${C}/images/${privateId}`)).status).toBe(404);
      const res = await member.get(`${C}/images/not-a-uuid`);
      expect(res.status).toBe(404);
      expect(fault(res).name).toBe('itemNotFound');
    });

    it('filters by name and pages with images_links', async () => {
      const named = await member.get(`${C}/images/detail?name=nefos-tiny`);
      expect(named.body.images.map((i: { id: string }) => i.id)).toEqual([publicId]);
      const page = await member.get(`${C}/images?limit=1`);
      expect(page.body.images).toHaveLength(1);
      expect(page.body.images_links[0].href).toContain(`marker=${privateId}`);
      const next = await member.get(`${C}/images?limit=1&marker=${privateId}`);
      expect(next.body.images.map((i: { id: string }) => i.id)).toEqual([publicId]);
      expect((await member.get(`${C}/images?marker=${publicId.replace(/.$/, '0')}`)).status).toBe(
        400,
      );
    });
  });

  describe('image metadata', () => {
    it('lets the owner add, replace, show and delete items', async () => {
      const add = await member.post(`${C}/images/${privateId}/metadata`, { metadata: { a: '1' } });
      expect(add.status).toBe(200);
      expect(add.body.metadata).toEqual({ a: '1', os_distro: 'debian' });
      const one = await member.put(`${C}/images/${privateId}/metadata/b`, { meta: { b: '2' } });
      expect(one.body).toEqual({ meta: { b: '2' } });
      expect((await member.get(`${C}/images/${privateId}/metadata/b`)).body).toEqual({
        meta: { b: '2' },
      });
      const all = await member.put(`${C}/images/${privateId}/metadata`, { metadata: { c: '3' } });
      expect(all.body.metadata).toEqual({ c: '3' });
      expect((await member.del(`${C}/images/${privateId}/metadata/c`)).status).toBe(204);
      expect((await member.get(`${C}/images/${privateId}/metadata/c`)).status).toBe(404);
    });

    it("refuses changes to the cloud's images (403) and bad bodies (400)", async () => {
      expect(
        (await member.post(`${C}/images/${publicId}/metadata`, { metadata: { a: '1' } })).status,
      ).toBe(403);
      const long = await member.post(`${C}/images/${privateId}/metadata`, {
        metadata: { k: 'v'.repeat(256) },
      });
      expect(long.status).toBe(400);
      expect(fault(long).message).toContain('metadata.k');
      const mismatch = await member.put(`${C}/images/${privateId}/metadata/x`, {
        meta: { y: '1' },
      });
      expect(mismatch.status).toBe(400);
      expect(
        (await admin.post(`${C}/images/${publicId}/metadata`, { metadata: { a: '1' } })).status,
      ).toBe(200);
    });
  });

  describe('Glance v2 subset under /image', () => {
    it('serves a versions document without a token', async () => {
      const res = await request(app.getHttpServer()).get('/image/');
      expect(res.status).toBe(200);
      expect(res.body.versions[0]).toMatchObject({ status: 'CURRENT' });
      expect(res.body.versions[0].links[0].href).toBe(`${env.config.api.publicUrl}/image/v2/`);
    });

    it('lists images with a name filter and next links', async () => {
      const res = await member.get('/image/v2/images?name=nefos-tiny');
      expect(res.status).toBe(200);
      expect(res.body.images).toHaveLength(1);
      expect(res.body.images[0]).toMatchObject({
        id: publicId,
        name: 'nefos-tiny',
        status: 'active',
        visibility: 'public',
        disk_format: 'raw',
        container_format: 'bare',
        os_distro: 'busybox',
        self: `/v2/images/${publicId}`,
      });
      const page = await member.get('/image/v2/images?limit=1');
      expect(page.body.next).toBe(`/v2/images?limit=1&marker=${privateId}`);
      const next = await member.get(`/image${page.body.next}`);
      expect(next.body.images.map((i: { id: string }) => i.id)).toEqual([publicId]);
      expect(next.body.next).toBeDefined();
    });

    it('shows one image and answers 404 for unknown ones', async () => {
      expect((await member.get(`/image/v2/images/${privateId}`)).body.owner).toBe(member.projectId);
      expect((await other.get(`/image/v2/images/${privateId}`)).status).toBe(404);
    });

    it('filters by property and refuses bad limits', async () => {
      const res = await member.get('/image/v2/images?os_distro=busybox');
      expect(res.body.images.map((i: { id: string }) => i.id)).toEqual([publicId]);
      expect((await member.get('/image/v2/images?limit=x')).status).toBe(400);
      expect((await request(app.getHttpServer()).get('/image/v2/images')).status).toBe(401);
    });
  });

  describe('DELETE /compute/v2.1/images/{id}', () => {
    it("deletes the project's own image and refuses others'", async () => {
      expect((await other.del(`${C}/images/${privateId}`)).status).toBe(404);
      expect((await member.del(`${C}/images/${publicId}`)).status).toBe(403);
      expect((await member.del(`${C}/images/${privateId}`)).status).toBe(204);
      expect((await member.get(`${C}/images/${privateId}`)).status).toBe(404);
    });
  });
});
