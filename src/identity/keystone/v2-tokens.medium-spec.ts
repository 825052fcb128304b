import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { testPrisma } from '../../../test/support/identity-fixtures';
import { createPasswordUser, seedIdentity } from '../../../test/identity/identity-support';

describe('Keystone v2.0 POST /identity/v2.0/tokens', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let http: ReturnType<typeof request>;
  let dave: { userId: string; projectId: string; projectName: string };

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_PUBLIC_URL: 'https://api.example.test' });
    prisma = testPrisma(env.databaseUrl);
    await seedIdentity(prisma, env);
    dave = await createPasswordUser(prisma, {
      name: 'dave',
      password: 'dave-password',
      roles: ['member', 'reader'],
    });
    app = await createTestApiApp(env);
    http = request(app.getHttpServer());
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  it('answers passwordCredentials and tenantName with the access body and serviceCatalog', async () => {
    const res = await http.post('/identity/v2.0/tokens').send({
      auth: {
        passwordCredentials: { username: 'dave', password: 'dave-password' },
        tenantName: 'dave-project',
      },
    });
    expect(res.status).toBe(200);
    const { access } = res.body;
    expect(access.token.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(access.token.expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(access.token.tenant).toEqual({
      id: dave.projectId,
      name: 'dave-project',
      description: '',
      enabled: true,
    });
    expect(access.user).toMatchObject({ id: dave.userId, name: 'dave', username: 'dave' });
    expect(access.user.roles.map((r: { name: string }) => r.name)).toEqual(['member', 'reader']);
    const compute = access.serviceCatalog.find((s: { type: string }) => s.type === 'compute');
    expect(compute.endpoints).toEqual([
      {
        id: expect.any(String),
        region: 'RegionOne',
        publicURL: 'https://api.example.test/compute/v2.1',
        internalURL: 'https://api.example.test/compute/v2.1',
        adminURL: 'https://api.example.test/compute/v2.1',
      },
    ]);

    // The v2 token works on every service, like a v3 one.
    const v3 = await http.get('/identity/v3/auth/catalog').set('X-Auth-Token', access.token.id);
    expect(v3.status).toBe(200);
  });

  it('scopes by tenantId, and without a tenant gives an unscoped token that lists tenants', async () => {
    const byId = await http.post('/identity/v2.0/tokens').send({
      auth: {
        passwordCredentials: { username: 'dave', password: 'dave-password' },
        tenantId: dave.projectId,
      },
    });
    expect(byId.status).toBe(200);
    expect(byId.body.access.token.tenant.id).toBe(dave.projectId);

    const unscoped = await http.post('/identity/v2.0/tokens').send({
      auth: { passwordCredentials: { username: 'dave', password: 'dave-password' } },
    });
    expect(unscoped.status).toBe(200);
    expect(unscoped.body.access.token.tenant).toBeUndefined();
    expect(unscoped.body.access.serviceCatalog).toEqual([]);
    const tenants = await http
      .get('/identity/v2.0/tenants')
      .set('X-Auth-Token', unscoped.body.access.token.id);
    expect(tenants.status).toBe(200);
    expect(tenants.body.tenants.map((t: { name: string }) => t.name)).toEqual(['dave-project']);

    const rescoped = await http.post('/identity/v2.0/tokens').send({
      auth: { token: { id: unscoped.body.access.token.id }, tenantName: 'dave-project' },
    });
    expect(rescoped.status).toBe(200);
    expect(rescoped.body.access.token.tenant.name).toBe('dave-project');
  });

  it('answers a wrong password, an unknown user and a foreign tenant with 401', async () => {
    for (const auth of [
      { passwordCredentials: { username: 'dave', password: 'nope' }, tenantName: 'dave-project' },
      { passwordCredentials: { username: 'eve', password: 'dave-password' } },
      { passwordCredentials: { username: 'dave', password: 'dave-password' }, tenantName: 'admin' },
    ]) {
      const res = await http.post('/identity/v2.0/tokens').send({ auth });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 401, title: 'Unauthorized' });
    }
    const bad = await http.post('/identity/v2.0/tokens').send({ auth: {} });
    expect(bad.status).toBe(400);
  });
});
