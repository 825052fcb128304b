import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { createTestIdentity, testPrisma } from '../../../test/support/identity-fixtures';
import type { PrismaClient } from '@nefos/database';
import { AuthService } from './auth.service';

describe('AuthGuard', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    app = await createTestApiApp(env);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  it('lets a public endpoint through without a token', async () => {
    const res = await request(app.getHttpServer()).get('/healthz');
    expect([200, 503]).toContain(res.status);
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
  });

  it('answers 404 with an OpenStack fault for an unknown path', async () => {
    const res = await request(app.getHttpServer()).get('/no/such/thing');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      itemNotFound: { code: 404, message: 'The resource could not be found.' },
    });
  });

  it('resolves a stored token to its user, project and roles', async () => {
    const id = await createTestIdentity(prisma, { roles: ['reader'] });
    const auth = await app.get(AuthService).authenticate(id.token);
    expect(auth).toMatchObject({
      userId: id.userId,
      projectId: id.projectId,
      roles: ['reader'],
      isAdmin: false,
      readOnly: true,
    });
  });

  it('refuses an expired token and an unknown token alike', async () => {
    const expired = await createTestIdentity(prisma, { ttlSeconds: -1 });
    await expect(app.get(AuthService).authenticate(expired.token)).rejects.toThrow(
      'requires authentication',
    );
    await expect(app.get(AuthService).authenticate('not-a-token')).rejects.toThrow(
      'requires authentication',
    );
  });
});
