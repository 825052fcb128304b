import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { testPrisma } from '../../../test/support/identity-fixtures';
import { caller, fault, seedCompute, type Caller } from '../../../test/compute/compute-fixtures';

describe('compute versions and microversions', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  describe('GET / and GET /compute/', () => {
    it.each(['/', '/compute', '/compute/'])(
      'lists v2.0 first and v2.1 as current at %s without a token',
      async (path) => {
        const res = await request(app.getHttpServer()).get(path);
        expect(res.status).toBe(200);
        expect(res.body.versions.map((v: { id: string }) => v.id)).toEqual(['v2.0', 'v2.1']);
        expect(res.body.versions[1]).toMatchObject({
          status: 'CURRENT',
          version: '2.1',
          min_version: '2.1',
        });
        expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
        expect(res.headers['x-compute-request-id']).toBe(res.headers['x-openstack-request-id']);
      },
    );
  });

  describe('GET /compute/v2.1', () => {
    it('answers the version document with media types', async () => {
      const res = await request(app.getHttpServer()).get('/compute/v2.1');
      expect(res.status).toBe(200);
      expect(res.body.version).toMatchObject({
        id: 'v2.1',
        version: '2.1',
        min_version: '2.1',
        'media-types': [
          { base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' },
        ],
      });
    });

    it('answers the v2.0 document at /compute/v2', async () => {
      const res = await request(app.getHttpServer()).get('/compute/v2/');
      expect(res.status).toBe(200);
      expect(res.body.version).toMatchObject({ id: 'v2.0', status: 'SUPPORTED', version: '' });
    });
  });

  describe('microversion headers', () => {
    it('accepts 2.1 in both headers and echoes it with Vary', async () => {
      for (const [h, v] of [
        ['X-OpenStack-Nova-API-Version', '2.1'],
        ['OpenStack-API-Version', 'compute 2.1'],
        ['OpenStack-API-Version', 'compute latest'],
      ]) {
        const res = await member.get('/compute/v2.1/flavors').set(h, v);
        expect(res.status).toBe(200);
        expect(res.headers['x-openstack-nova-api-version']).toBe('2.1');
        expect(res.headers['openstack-api-version']).toBe('compute 2.1');
        expect(res.headers.vary).toContain('OpenStack-API-Version');
      }
    });

    it('refuses a version above 2.1 with 406 in Nova words', async () => {
      const res = await member
        .get('/compute/v2.1/servers')
        .set('OpenStack-API-Version', 'compute 2.79');
      expect(res.status).toBe(406);
      expect(fault(res)).toEqual({
        name: 'notAcceptable',
        code: 406,
        message: 'Version 2.79 is not supported by the API. Minimum is 2.1 and maximum is 2.1.',
      });
    });

    it('refuses a malformed version with 400', async () => {
      const res = await member
        .get('/compute/v2.1/servers')
        .set('X-OpenStack-Nova-API-Version', 'two');
      expect(res.status).toBe(400);
      expect(fault(res).name).toBe('badRequest');
    });
  });

  describe('{project_id} path segment', () => {
    it('serves the same resources with the token project in the path', async () => {
      const res = await member.get(`/compute/v2.1/${member.projectId}/flavors`);
      expect(res.status).toBe(200);
      expect(res.body.flavors[0].links[0].href).toContain(
        `/compute/v2.1/${member.projectId}/flavors/`,
      );
    });

    it('refuses another project id with 400', async () => {
      const res = await member.get('/compute/v2.1/0123456789abcdef0123456789abcdef/servers');
      expect(res.status).toBe(400);
      expect(fault(res).message).toContain("doesn't match");
    });

    it('serves the legacy /compute/v2 prefix', async () => {
      const res = await member.get(`/compute/v2/${member.projectId}/flavors/1`);
      expect(res.status).toBe(200);
      expect(res.body.flavor.name).toBe('m1.tiny');
    });
  });

  describe('authentication', () => {
    it('answers 401 without a token', async () => {
      const res = await request(app.getHttpServer()).get('/compute/v2.1/servers');
      expect(res.status).toBe(401);
    });
  });

  describe('GET /compute/docs', () => {
    it('serves the OpenAPI document built from the controllers and schemas', async () => {
      const res = await request(app.getHttpServer()).get('/compute/docs/openapi.json');
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining([
          '/compute/v2.1/servers',
          '/compute/v2.1/servers/{id}/action',
          '/compute/v2.1/flavors',
        ]),
      );
      const create = res.body.paths['/compute/v2.1/servers'].post;
      expect(
        create.requestBody.content['application/json'].schema.properties.server.required,
      ).toEqual(expect.arrayContaining(['name', 'imageRef', 'flavorRef']));
      const page = await request(app.getHttpServer()).get('/compute/docs');
      expect(page.status).toBe(200);
      expect(page.text).toContain('swagger-ui');
      const asset = await request(app.getHttpServer()).get(
        '/compute/docs/assets/swagger-ui-bundle.js',
      );
      expect(asset.status).toBe(200);
    });
  });
});
