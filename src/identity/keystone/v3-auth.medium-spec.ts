import request from 'supertest';
import Redis from 'ioredis';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { createTestIdentity, testPrisma } from '../../../test/support/identity-fixtures';
import { TokenService } from '../tokens/token.service';
import {
  ADMIN_PASSWORD,
  createPasswordUser,
  login,
  passwordAuth,
  seedIdentity,
  unauthorizedBody,
} from '../../../test/identity/identity-support';

const PUBLIC = 'http://cloud.example.test:8774';

describe('Keystone v3 /identity/v3/auth/tokens', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let redis: Redis;
  let http: ReturnType<typeof request>;
  let alice: { userId: string; projectId: string; projectName: string };

  beforeAll(async () => {
    env = await createTestEnv({
      NEFOS_PUBLIC_URL: PUBLIC,
      NEFOS_LOGIN_FAILURES_PER_USER: '3',
      NEFOS_LOGIN_FAILURES_PER_ADDRESS: '6',
    });
    prisma = testPrisma(env.databaseUrl);
    await seedIdentity(prisma, env);
    alice = await createPasswordUser(prisma, {
      name: 'alice',
      password: 'alice-password',
      roles: ['member'],
    });
    await createPasswordUser(prisma, {
      name: 'mallory',
      password: 'mallory-password',
      roles: ['member'],
      project: 'mallory-project',
    });
    redis = new Redis(env.redisUrl);
    app = await createTestApiApp(env);
    http = request(app.getHttpServer());
  });
  beforeEach(async () => {
    const keys = await redis.keys(`${env.redisPrefix}:api:login-failures:*`);
    if (keys.length) await redis.del(...keys);
  });
  afterAll(async () => {
    await app.close();
    redis.disconnect();
    await prisma.$disconnect();
    await env.cleanup();
  });

  describe('discovery', () => {
    it('answers the unversioned /identity with 300 and both versions, without a token', async () => {
      const res = await http.get('/identity');
      expect(res.status).toBe(300);
      expect(res.body.versions.values.map((v: { id: string }) => v.id)).toEqual(['v3.14', 'v2.0']);
      expect(res.body.versions.values[0].links[0].href).toBe(`${PUBLIC}/identity/v3/`);
    });

    it('describes v3 and v2.0', async () => {
      const v3 = await http.get('/identity/v3');
      expect(v3.status).toBe(200);
      expect(v3.body.version).toMatchObject({ id: 'v3.14', status: 'stable' });
      const v2 = await http.get('/identity/v2.0/');
      expect(v2.status).toBe(200);
      expect(v2.body.version).toMatchObject({ id: 'v2.0', status: 'deprecated' });
    });
  });

  describe('POST /identity/v3/auth/tokens (password)', () => {
    it('issues a project-scoped token with the catalog, by user and project name', async () => {
      const res = await http
        .post('/identity/v3/auth/tokens')
        .set('Host', 'attacker.example')
        .send(passwordAuth('alice', 'alice-password', 'alice-project'));
      expect(res.status).toBe(201);
      const token = res.headers['x-subject-token'];
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const body = res.body.token;
      expect(body.methods).toEqual(['password']);
      expect(body.user).toEqual({
        id: alice.userId,
        name: 'alice',
        domain: { id: 'default', name: 'Default' },
        password_expires_at: null,
      });
      expect(body.project).toEqual({
        id: alice.projectId,
        name: 'alice-project',
        domain: { id: 'default', name: 'Default' },
      });
      expect(body.roles).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'member' }]);
      expect(body.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      const ttl = Date.parse(body.expires_at) - Date.parse(body.issued_at);
      expect(ttl).toBe(3600 * 1000);
      expect(body.audit_ids).toHaveLength(1);

      const types = body.catalog.map((s: { type: string }) => s.type).sort();
      expect(types).toEqual(expect.arrayContaining(['compute', 'identity', 'image']));
      const compute = body.catalog.find((s: { type: string }) => s.type === 'compute');
      expect(compute.endpoints.map((e: { interface: string }) => e.interface).sort()).toEqual([
        'admin',
        'internal',
        'public',
      ]);
      for (const e of compute.endpoints) {
        expect(e).toMatchObject({
          region: 'RegionOne',
          region_id: 'RegionOne',
          url: `${PUBLIC}/compute/v2.1`,
        });
      }
      const identity = body.catalog.find((s: { type: string }) => s.type === 'identity');
      expect(identity.endpoints[0].url).toBe(`${PUBLIC}/identity`);

      // The token stored is only its hash.
      const stored = await prisma.token.findMany({ where: { userId: alice.userId } });
      expect(stored.map((t) => t.hash)).not.toContain(token);
    });

    it('accepts the user and the project by id', async () => {
      const res = await http.post('/identity/v3/auth/tokens').send({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { id: alice.userId, password: 'alice-password' } },
          },
          scope: { project: { id: alice.projectId } },
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.token.project.id).toBe(alice.projectId);
    });

    it('scopes a request without scope to the default project, and "unscoped" to nothing', async () => {
      const byDefault = await http
        .post('/identity/v3/auth/tokens')
        .send(passwordAuth('alice', 'alice-password'));
      expect(byDefault.status).toBe(201);
      expect(byDefault.body.token.project.id).toBe(alice.projectId);

      const unscoped = await http
        .post('/identity/v3/auth/tokens')
        .send(passwordAuth('alice', 'alice-password', null));
      expect(unscoped.status).toBe(201);
      expect(unscoped.body.token.project).toBeUndefined();
      expect(unscoped.body.token.catalog).toBeUndefined();
      expect(unscoped.body.token.expires_at).toBeDefined();
    });

    it('leaves the catalog out with ?nocatalog', async () => {
      const res = await http
        .post('/identity/v3/auth/tokens?nocatalog')
        .send(passwordAuth('alice', 'alice-password', 'alice-project'));
      expect(res.status).toBe(201);
      expect(res.body.token.catalog).toBeUndefined();
      expect(res.body.token.roles).toHaveLength(1);
    });

    it('answers a wrong password and an unknown user with the same 401', async () => {
      const wrong = await http
        .post('/identity/v3/auth/tokens')
        .send(passwordAuth('alice', 'not-her-password', 'alice-project'));
      const unknown = await http
        .post('/identity/v3/auth/tokens')
        .send(passwordAuth('nobody', 'alice-password', 'alice-project'));
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unauthorizedBody);
      expect(unknown.body).toEqual(unauthorizedBody);
      expect(wrong.headers['www-authenticate']).toBe(`Keystone uri="${PUBLIC}/identity"`);
      expect(wrong.headers['x-subject-token']).toBeUndefined();
    });

    it('refuses a disabled user with the same 401', async () => {
      await createPasswordUser(prisma, {
        name: 'disabled-dan',
        password: 'dan-password',
        roles: ['member'],
        enabled: false,
      });
      const res = await http
        .post('/identity/v3/auth/tokens')
        .send(passwordAuth('disabled-dan', 'dan-password'));
      expect(res.status).toBe(401);
      expect(res.body).toEqual(unauthorizedBody);
    });

    it('refuses a scope the user has no role on (wrong scope) with 401', async () => {
      const res = await http
        .post('/identity/v3/auth/tokens')
        .send(passwordAuth('alice', 'alice-password', 'mallory-project'));
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 401, title: 'Unauthorized' });
      expect(res.body.error.message).toBe(
        `User ${alice.userId} has no access to project mallory-project`,
      );
      const missing = await http
        .post('/identity/v3/auth/tokens')
        .send(passwordAuth('alice', 'alice-password', 'no-such-project'));
      expect(missing.status).toBe(401);
      const domain = await http.post('/identity/v3/auth/tokens').send({
        auth: {
          ...passwordAuth('alice', 'alice-password').auth,
          scope: { domain: { id: 'default' } },
        },
      });
      expect(domain.status).toBe(401);
    });

    it('rejects malformed bodies with 400 and unknown methods with 401', async () => {
      const bad = await http.post('/identity/v3/auth/tokens').send({ auth: { identity: {} } });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 400, title: 'Bad Request' });
      expect(bad.body.error.message).toContain("'auth.identity.methods'");
      const noUser = await http.post('/identity/v3/auth/tokens').send({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'a', password: 'x' } } },
        },
      });
      expect(noUser.status).toBe(400);
      expect(noUser.body.error.message).toContain('a user needs an id, or a name and a domain');
      const totp = await http
        .post('/identity/v3/auth/tokens')
        .send({ auth: { identity: { methods: ['totp'] } } });
      expect(totp.status).toBe(401);
      const notJson = await http
        .post('/identity/v3/auth/tokens')
        .set('Content-Type', 'application/json')
        .send('{"auth":');
      expect(notJson.status).toBe(400);
    });
  });

  describe('failed-login rate limiting', () => {
    it('locks a user out after the configured failures, even with the right password', async () => {
      for (let i = 0; i < 3; i++) {
        const r = await http
          .post('/identity/v3/auth/tokens')
          .set('X-Forwarded-For', `198.51.100.${i + 1}`)
          .send(passwordAuth('alice', `wrong-${i}`));
        expect(r.status).toBe(401);
      }
      const locked = await http
        .post('/identity/v3/auth/tokens')
        .set('X-Forwarded-For', '198.51.100.9')
        .send(passwordAuth('alice', 'alice-password'));
      expect(locked.status).toBe(429);
      expect(locked.body.error).toMatchObject({ code: 429, title: 'Too Many Requests' });
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      // Naming the user by id or by domain id instead of domain name does not get around it.
      const byId = await http
        .post('/identity/v3/auth/tokens')
        .set('X-Forwarded-For', '198.51.100.11')
        .send({
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { id: alice.userId, password: 'alice-password' } },
            },
          },
        });
      expect(byId.status).toBe(429);
      // Another user is not affected.
      const other = await http
        .post('/identity/v3/auth/tokens')
        .set('X-Forwarded-For', '198.51.100.10')
        .send(passwordAuth('mallory', 'mallory-password'));
      expect(other.status).toBe(201);
    });

    it('locks out an address that tries many users', async () => {
      for (let i = 0; i < 6; i++) {
        const r = await http
          .post('/identity/v3/auth/tokens')
          .set('X-Forwarded-For', '203.0.113.7')
          .send(passwordAuth(`guess-${i}`, 'password1'));
        expect(r.status).toBe(401);
      }
      const blocked = await http
        .post('/identity/v3/auth/tokens')
        .set('X-Forwarded-For', '203.0.113.7')
        .send(passwordAuth('mallory', 'mallory-password'));
      expect(blocked.status).toBe(429);
      const elsewhere = await http
        .post('/identity/v3/auth/tokens')
        .set('X-Forwarded-For', '203.0.113.8')
        .send(passwordAuth('mallory', 'mallory-password'));
      expect(elsewhere.status).toBe(201);
    });
  });

  describe('GET, HEAD and DELETE /identity/v3/auth/tokens', () => {
    it('validates a token for its owner and echoes it in X-Subject-Token', async () => {
      const token = await login(app, 'alice', 'alice-password', 'alice-project');
      const res = await http
        .get('/identity/v3/auth/tokens')
        .set('X-Auth-Token', token)
        .set('X-Subject-Token', token);
      expect(res.status).toBe(200);
      expect(res.headers['x-subject-token']).toBe(token);
      expect(res.body.token.project.id).toBe(alice.projectId);
      expect(res.body.token.catalog.length).toBeGreaterThan(0);
      const head = await http
        .head('/identity/v3/auth/tokens')
        .set('X-Auth-Token', token)
        .set('X-Subject-Token', token);
      expect(head.status).toBe(200);
    });

    it("refuses a member validating another user's token and lets an admin do it", async () => {
      const alices = await login(app, 'alice', 'alice-password', 'alice-project');
      const mallorys = await login(app, 'mallory', 'mallory-password', 'mallory-project');
      const res = await http
        .get('/identity/v3/auth/tokens')
        .set('X-Auth-Token', mallorys)
        .set('X-Subject-Token', alices);
      expect(res.status).toBe(403);
      expect(res.body.error.title).toBe('Forbidden');
      const admin = await login(app, 'admin', ADMIN_PASSWORD, 'admin');
      const ok = await http
        .get('/identity/v3/auth/tokens')
        .set('X-Auth-Token', admin)
        .set('X-Subject-Token', alices);
      expect(ok.status).toBe(200);
      expect(ok.body.token.user.name).toBe('alice');
    });

    it('answers 404 for an unknown subject and 400 without one', async () => {
      const token = await login(app, 'alice', 'alice-password', 'alice-project');
      const unknown = await http
        .get('/identity/v3/auth/tokens')
        .set('X-Auth-Token', token)
        .set('X-Subject-Token', 'no-such-token');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({
        error: { code: 404, title: 'Not Found', message: 'Could not find token.' },
      });
      const missing = await http.get('/identity/v3/auth/tokens').set('X-Auth-Token', token);
      expect(missing.status).toBe(400);
    });

    it('revokes a token: it then fails to authenticate and to validate', async () => {
      const token = await login(app, 'alice', 'alice-password', 'alice-project');
      const other = await login(app, 'alice', 'alice-password', 'alice-project');
      const del = await http
        .delete('/identity/v3/auth/tokens')
        .set('X-Auth-Token', token)
        .set('X-Subject-Token', token);
      expect(del.status).toBe(204);
      const use = await http.get('/identity/v3/auth/catalog').set('X-Auth-Token', token);
      expect(use.status).toBe(401);
      expect(use.body).toEqual(unauthorizedBody);
      const check = await http
        .get('/identity/v3/auth/tokens')
        .set('X-Auth-Token', other)
        .set('X-Subject-Token', token);
      expect(check.status).toBe(404);
      // Revoking one token leaves the user's other tokens working.
      const still = await http.get('/identity/v3/auth/catalog').set('X-Auth-Token', other);
      expect(still.status).toBe(200);
    });

    it('refuses an expired token with the same 401 as a missing one', async () => {
      const expired = await createTestIdentity(prisma, { ttlSeconds: -1 });
      const res = await http.get('/identity/v3/auth/catalog').set('X-Auth-Token', expired.token);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(unauthorizedBody);
      const none = await http.get('/identity/v3/auth/catalog');
      expect(none.status).toBe(401);
      expect(none.body).toEqual(unauthorizedBody);
      const valid = await createTestIdentity(prisma, { roles: ['reader'] });
      const check = await http
        .get('/identity/v3/auth/tokens')
        .set('X-Auth-Token', valid.token)
        .set('X-Subject-Token', expired.token);
      expect(check.status).toBe(404);
    });
  });

  describe('expired tokens', () => {
    it('are deleted a day after they expire, not before', async () => {
      const old = await createTestIdentity(prisma, { ttlSeconds: -2 * 24 * 3600 });
      const recent = await createTestIdentity(prisma, { ttlSeconds: -60 });
      expect(await app.get(TokenService).sweep()).toBeGreaterThanOrEqual(1);
      expect(await prisma.token.count({ where: { userId: old.userId } })).toBe(0);
      expect(await prisma.token.count({ where: { userId: recent.userId } })).toBe(1);
    });
  });

  describe('the token method', () => {
    it('rescopes an unscoped token to a project without extending its life', async () => {
      const unscoped = await http
        .post('/identity/v3/auth/tokens')
        .send(passwordAuth('alice', 'alice-password', null));
      const res = await http.post('/identity/v3/auth/tokens').send({
        auth: {
          identity: { methods: ['token'], token: { id: unscoped.headers['x-subject-token'] } },
          scope: { project: { id: alice.projectId } },
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.token.project.id).toBe(alice.projectId);
      expect(res.body.token.methods).toEqual(['password', 'token']);
      expect(res.body.token.expires_at).toBe(unscoped.body.token.expires_at);
      expect(res.body.token.audit_ids[1]).toBe(unscoped.body.token.audit_ids[0]);
    });

    it('refuses a revoked or unknown token and a project without a role', async () => {
      const token = await login(app, 'alice', 'alice-password', 'alice-project');
      const wrongScope = await http.post('/identity/v3/auth/tokens').send({
        auth: {
          identity: { methods: ['token'], token: { id: token } },
          scope: { project: { name: 'mallory-project', domain: { id: 'default' } } },
        },
      });
      expect(wrongScope.status).toBe(401);
      await http
        .delete('/identity/v3/auth/tokens')
        .set('X-Auth-Token', token)
        .set('X-Subject-Token', token);
      const revoked = await http
        .post('/identity/v3/auth/tokens')
        .send({ auth: { identity: { methods: ['token'], token: { id: token } } } });
      expect(revoked.status).toBe(401);
      expect(revoked.body).toEqual(unauthorizedBody);
    });
  });

  describe('GET /identity/v3/auth/catalog and /auth/projects', () => {
    it("returns the caller's catalog and the projects it may scope to", async () => {
      const token = await login(app, 'alice', 'alice-password', 'alice-project');
      const catalog = await http.get('/identity/v3/auth/catalog').set('X-Auth-Token', token);
      expect(catalog.status).toBe(200);
      expect(catalog.body.catalog.map((s: { type: string }) => s.type)).toEqual(
        expect.arrayContaining(['compute', 'identity', 'image']),
      );
      const projects = await http.get('/identity/v3/auth/projects').set('X-Auth-Token', token);
      expect(projects.status).toBe(200);
      expect(projects.body.projects.map((p: { name: string }) => p.name)).toEqual([
        'alice-project',
      ]);
    });
  });
});
