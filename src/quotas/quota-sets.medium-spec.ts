import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { QuotaStore, type PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../test/support/test-env';
import { createTestApiApp } from '../../test/support/api-app';
import { createTestIdentity, testPrisma } from '../../test/support/identity-fixtures';

describe('Nova os-quota-sets', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let http: ReturnType<typeof request>;
  let admin: Awaited<ReturnType<typeof createTestIdentity>>;
  let member: Awaited<ReturnType<typeof createTestIdentity>>;
  let reader: Awaited<ReturnType<typeof createTestIdentity>>;

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_QUOTA_INSTANCES: '10' });
    prisma = testPrisma(env.databaseUrl);
    app = await createTestApiApp(env);
    http = request(app.getHttpServer());
    admin = await createTestIdentity(prisma, { roles: ['admin'] });
    member = await createTestIdentity(prisma, { roles: ['member'] });
    reader = await createTestIdentity(prisma, { roles: ['reader'] });
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  describe('GET /compute/v2.1/os-quota-sets/{project_id}', () => {
    it("shows a project's limits with Nova's keys", async () => {
      const res = await http
        .get(`/compute/v2.1/os-quota-sets/${reader.projectId}`)
        .set('X-Auth-Token', reader.token);
      expect(res.status).toBe(200);
      expect(res.body.quota_set).toEqual({
        id: reader.projectId,
        cores: 20,
        disk: 1000,
        fixed_ips: -1,
        floating_ips: 10,
        injected_file_content_bytes: 10240,
        injected_file_path_bytes: 255,
        injected_files: 5,
        instances: 10,
        key_pairs: 100,
        metadata_items: 128,
        networks: 10,
        ram: 51200,
        security_group_rules: 20,
        security_groups: 10,
        server_group_members: 10,
        server_groups: 10,
      });
    });

    it('answers under the optional {project_id} path segment too', async () => {
      const res = await http
        .get(`/compute/v2.1/${reader.projectId}/os-quota-sets/${reader.projectId}`)
        .set('X-Auth-Token', reader.token);
      expect(res.status).toBe(200);
      expect(res.body.quota_set.id).toBe(reader.projectId);
    });

    it("refuses another project's quota to a non-admin and shows it to an admin", async () => {
      const res = await http
        .get(`/compute/v2.1/os-quota-sets/${member.projectId}`)
        .set('X-Auth-Token', reader.token);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        forbidden: {
          code: 403,
          message: "Policy doesn't allow compute:os-quota-sets:show to be performed.",
        },
      });
      const ok = await http
        .get(`/compute/v2.1/os-quota-sets/${member.projectId}`)
        .set('X-Auth-Token', admin.token);
      expect(ok.status).toBe(200);
    });

    it('answers 400 for a project that does not exist', async () => {
      const res = await http
        .get('/compute/v2.1/os-quota-sets/0123456789abcdef0123456789abcdef')
        .set('X-Auth-Token', admin.token);
      expect(res.status).toBe(400);
      expect(res.body.badRequest.message).toBe(
        'Project ID 0123456789abcdef0123456789abcdef is not a valid project.',
      );
    });

    it('shows in_use and reserved in the detail view', async () => {
      const store = app.get(QuotaStore);
      await prisma.$transaction((tx) => store.charge(tx, member.projectId, { instances: 2 }));
      await prisma.$transaction((tx) =>
        store.reserve(tx, member.projectId, { instances: 1, cores: 4 }, { action: 'create' }),
      );
      const res = await http
        .get(`/compute/v2.1/os-quota-sets/${member.projectId}/detail`)
        .set('X-Auth-Token', member.token);
      expect(res.status).toBe(200);
      expect(res.body.quota_set.instances).toEqual({ limit: 10, in_use: 2, reserved: 1 });
      expect(res.body.quota_set.cores).toEqual({ limit: 20, in_use: 0, reserved: 4 });
      expect(res.body.quota_set.injected_files).toEqual({ limit: 5, in_use: 0, reserved: 0 });
    });

    it('shows the defaults to any member', async () => {
      const res = await http
        .get(`/compute/v2.1/os-quota-sets/${member.projectId}/defaults`)
        .set('X-Auth-Token', member.token);
      expect(res.status).toBe(200);
      expect(res.body.quota_set).toMatchObject({ id: member.projectId, instances: 10, cores: 20 });
    });
  });

  describe('PUT /compute/v2.1/os-quota-sets/{project_id}', () => {
    it('lets an admin change limits, numbers or numeric strings, and answers without the id', async () => {
      const res = await http
        .put(`/compute/v2.1/os-quota-sets/${reader.projectId}`)
        .set('X-Auth-Token', admin.token)
        .send({ quota_set: { instances: 25, cores: '40', injected_files: 2, ram: -1 } });
      expect(res.status).toBe(200);
      expect(res.body.quota_set).toMatchObject({
        instances: 25,
        cores: 40,
        injected_files: 2,
        ram: -1,
      });
      expect(res.body.quota_set.id).toBeUndefined();
      const shown = await http
        .get(`/compute/v2.1/os-quota-sets/${reader.projectId}`)
        .set('X-Auth-Token', reader.token);
      expect(shown.body.quota_set).toMatchObject({ instances: 25, cores: 40, ram: -1 });
    });

    it('refuses a member trying an admin call and a reader trying to write', async () => {
      for (const who of [member, reader]) {
        const res = await http
          .put(`/compute/v2.1/os-quota-sets/${who.projectId}`)
          .set('X-Auth-Token', who.token)
          .send({ quota_set: { instances: 1000 } });
        expect(res.status).toBe(403);
        expect(res.body).toEqual({
          forbidden: {
            code: 403,
            message: "Policy doesn't allow compute:os-quota-sets:update to be performed.",
          },
        });
      }
      const limits = await app.get(QuotaStore).limits(member.projectId);
      expect(limits.instances).toBe(10);
    });

    it('refuses unknown keys, bad values and a limit below usage unless forced', async () => {
      const put = (quota_set: unknown) =>
        http
          .put(`/compute/v2.1/os-quota-sets/${member.projectId}`)
          .set('X-Auth-Token', admin.token)
          .send({ quota_set });
      const unknown = await put({ gpus: 1 });
      expect(unknown.status).toBe(400);
      expect(unknown.body.badRequest.message).toContain("('gpus' was unexpected)");
      expect((await put({ instances: -2 })).status).toBe(400);
      expect((await put({ instances: 1.5 })).status).toBe(400);
      expect((await put({ instances: 'ten' })).status).toBe(400);
      const missing = await http
        .put(`/compute/v2.1/os-quota-sets/${member.projectId}`)
        .set('X-Auth-Token', admin.token)
        .send({});
      expect(missing.status).toBe(400);

      // member's project uses 2 instances and reserves 1 (from the detail test).
      const below = await put({ instances: 2 });
      expect(below.status).toBe(400);
      expect(below.body.badRequest.message).toBe(
        'Quota limit 2 for instances must be greater than or equal to already used and reserved 3.',
      );
      const forced = await put({ instances: 2, force: true });
      expect(forced.status).toBe(200);
      expect(forced.body.quota_set.instances).toBe(2);
    });
  });

  describe('DELETE /compute/v2.1/os-quota-sets/{project_id}', () => {
    it('puts the defaults back', async () => {
      const res = await http
        .delete(`/compute/v2.1/os-quota-sets/${reader.projectId}`)
        .set('X-Auth-Token', admin.token);
      expect(res.status).toBe(202);
      const shown = await http
        .get(`/compute/v2.1/os-quota-sets/${reader.projectId}`)
        .set('X-Auth-Token', reader.token);
      expect(shown.body.quota_set).toMatchObject({ instances: 10, cores: 20, injected_files: 5 });
    });
  });
});
