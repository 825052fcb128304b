import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { createTestIdentity, testPrisma } from '../../../test/support/identity-fixtures';
import {
  ADMIN_PASSWORD,
  createPasswordUser,
  login,
  passwordAuth,
  seedIdentity,
  unauthorizedBody,
} from '../../../test/identity/identity-support';

const forbiddenBody = (action: string) => ({
  error: {
    code: 403,
    title: 'Forbidden',
    message: `You are not authorized to perform the requested action: ${action}.`,
  },
});

describe('Keystone v3 users, projects and role assignments', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let http: ReturnType<typeof request>;
  let admin: string;
  let member: Awaited<ReturnType<typeof createTestIdentity>>;
  let reader: Awaited<ReturnType<typeof createTestIdentity>>;
  const roleId: Record<string, string> = {};

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    await seedIdentity(prisma, env);
    app = await createTestApiApp(env);
    http = request(app.getHttpServer());
    admin = await login(app, 'admin', ADMIN_PASSWORD, 'admin');
    member = await createTestIdentity(prisma, { roles: ['member'] });
    reader = await createTestIdentity(prisma, { roles: ['reader'] });
    for (const r of await prisma.role.findMany()) roleId[r.name] = r.id;
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  it('lets an admin onboard a project with the API alone', async () => {
    const project = await http
      .post('/identity/v3/projects')
      .set('X-Auth-Token', admin)
      .send({ project: { name: 'onboarded', description: 'a new customer' } });
    expect(project.status).toBe(201);
    expect(project.body.project).toMatchObject({
      name: 'onboarded',
      domain_id: 'default',
      description: 'a new customer',
      enabled: true,
      parent_id: 'default',
      is_domain: false,
    });
    expect(project.body.project.id).toMatch(/^[0-9a-f]{32}$/);
    const projectId = project.body.project.id;

    const user = await http
      .post('/identity/v3/users')
      .set('X-Auth-Token', admin)
      .send({
        user: { name: 'onboarded-user', password: 'onboard-pass', default_project_id: projectId },
      });
    expect(user.status).toBe(201);
    expect(user.body.user).toMatchObject({
      name: 'onboarded-user',
      domain_id: 'default',
      enabled: true,
      default_project_id: projectId,
      password_expires_at: null,
    });
    expect(user.body.user.password).toBeUndefined();
    const userId = user.body.user.id;

    const grant = await http
      .put(`/identity/v3/projects/${projectId}/users/${userId}/roles/${roleId.member}`)
      .set('X-Auth-Token', admin);
    expect(grant.status).toBe(204);
    const check = await http
      .head(`/identity/v3/projects/${projectId}/users/${userId}/roles/${roleId.member}`)
      .set('X-Auth-Token', admin);
    expect(check.status).toBe(204);
    const roles = await http
      .get(`/identity/v3/projects/${projectId}/users/${userId}/roles`)
      .set('X-Auth-Token', admin);
    expect(roles.body.roles.map((r: { name: string }) => r.name)).toEqual(['member']);

    // The new user logs in to the new project.
    const token = await login(app, 'onboarded-user', 'onboard-pass', 'onboarded');
    const me = await http.get(`/identity/v3/users/${userId}`).set('X-Auth-Token', token);
    expect(me.status).toBe(200);
    expect(me.body.user.name).toBe('onboarded-user');

    const assignments = await http
      .get(`/identity/v3/role_assignments?scope.project.id=${projectId}&include_names=1`)
      .set('X-Auth-Token', admin);
    expect(assignments.status).toBe(200);
    expect(assignments.body.role_assignments).toEqual([
      {
        role: { id: roleId.member, name: 'member' },
        user: { id: userId, name: 'onboarded-user', domain: { id: 'default', name: 'Default' } },
        scope: {
          project: { id: projectId, name: 'onboarded', domain: { id: 'default', name: 'Default' } },
        },
        links: {
          assignment: expect.stringContaining(`/projects/${projectId}/users/${userId}/roles/`),
        },
      },
    ]);

    // Removing the only role ends the user's project token at once.
    const revoke = await http
      .delete(`/identity/v3/projects/${projectId}/users/${userId}/roles/${roleId.member}`)
      .set('X-Auth-Token', admin);
    expect(revoke.status).toBe(204);
    const after = await http.get('/identity/v3/auth/catalog').set('X-Auth-Token', token);
    expect(after.status).toBe(401);
    const again = await http
      .delete(`/identity/v3/projects/${projectId}/users/${userId}/roles/${roleId.member}`)
      .set('X-Auth-Token', admin);
    expect(again.status).toBe(404);
  });

  it('lists and filters users and projects by name', async () => {
    const users = await http.get('/identity/v3/users?name=admin').set('X-Auth-Token', admin);
    expect(users.status).toBe(200);
    expect(users.body.users.map((u: { name: string }) => u.name)).toEqual(['admin']);
    expect(users.body.links).toMatchObject({ next: null, previous: null });
    const projects = await http.get('/identity/v3/projects').set('X-Auth-Token', admin);
    expect(projects.body.projects.map((p: { name: string }) => p.name)).toContain('admin');
    const roles = await http.get('/identity/v3/roles?name=reader').set('X-Auth-Token', admin);
    expect(roles.body.roles).toHaveLength(1);
    const domains = await http.get('/identity/v3/domains').set('X-Auth-Token', admin);
    expect(domains.body.domains.map((d: { id: string }) => d.id)).toEqual(['default']);
    const domain = await http.get('/identity/v3/domains/default').set('X-Auth-Token', admin);
    expect(domain.body.domain.name).toBe('Default');
    const bad = await http.get('/identity/v3/users?enabled=maybe').set('X-Auth-Token', admin);
    expect(bad.status).toBe(400);
  });

  it('renames and describes a project, refusing a name already taken', async () => {
    const created = await http
      .post('/identity/v3/projects')
      .set('X-Auth-Token', admin)
      .send({ project: { name: 'to-rename' } });
    const id = created.body.project.id;
    const renamed = await http
      .patch(`/identity/v3/projects/${id}`)
      .set('X-Auth-Token', admin)
      .send({ project: { name: 'renamed', description: 'now described', enabled: false } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.project).toMatchObject({
      id,
      name: 'renamed',
      description: 'now described',
      enabled: false,
    });
    const taken = await http
      .patch(`/identity/v3/projects/${id}`)
      .set('X-Auth-Token', admin)
      .send({ project: { name: 'admin' } });
    expect(taken.status).toBe(409);
    const nested = await http
      .post('/identity/v3/projects')
      .set('X-Auth-Token', admin)
      .send({ project: { name: 'child', parent_id: id } });
    expect(nested.status).toBe(400);
  });

  it("lists a user's projects for the user itself and shows a role", async () => {
    const mine = await http
      .get(`/identity/v3/users/${member.userId}/projects`)
      .set('X-Auth-Token', member.token);
    expect(mine.status).toBe(200);
    expect(mine.body.projects.map((p: { id: string }) => p.id)).toEqual([member.projectId]);
    const theirs = await http
      .get(`/identity/v3/users/${reader.userId}/projects`)
      .set('X-Auth-Token', member.token);
    expect(theirs.status).toBe(403);
    const role = await http
      .get(`/identity/v3/roles/${roleId.reader}`)
      .set('X-Auth-Token', member.token);
    expect(role.status).toBe(200);
    expect(role.body.role).toMatchObject({ id: roleId.reader, name: 'reader', domain_id: null });
    const noRole = await http.get('/identity/v3/roles/nope').set('X-Auth-Token', member.token);
    expect(noRole.status).toBe(404);
  });

  it('answers /auth/domains and /auth/system with empty lists, and /auth/catalog only when scoped', async () => {
    const domains = await http.get('/identity/v3/auth/domains').set('X-Auth-Token', member.token);
    expect(domains.status).toBe(200);
    expect(domains.body.domains).toEqual([]);
    const system = await http.get('/identity/v3/auth/system').set('X-Auth-Token', member.token);
    expect(system.body.system).toEqual([]);
    const unscoped = await http
      .post('/identity/v3/auth/tokens')
      .send(passwordAuth('admin', ADMIN_PASSWORD, null));
    const catalog = await http
      .get('/identity/v3/auth/catalog')
      .set('X-Auth-Token', unscoped.headers['x-subject-token'] as string);
    expect(catalog.status).toBe(403);
    // An unscoped admin token is no admin token.
    const users = await http
      .get('/identity/v3/users')
      .set('X-Auth-Token', unscoped.headers['x-subject-token'] as string);
    expect(users.status).toBe(403);
  });

  it('answers duplicates with 409, unknown ids with 404 and bad bodies with 400', async () => {
    const dup = await http
      .post('/identity/v3/users')
      .set('X-Auth-Token', admin)
      .send({ user: { name: 'admin', password: 'whatever-pass' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 409, title: 'Conflict' });
    const missing = await http.get('/identity/v3/users/0000').set('X-Auth-Token', admin);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { code: 404, title: 'Not Found', message: 'Could not find user: 0000.' },
    });
    const noName = await http
      .post('/identity/v3/projects')
      .set('X-Auth-Token', admin)
      .send({ project: { description: 'x' } });
    expect(noName.status).toBe(400);
    expect(noName.body.error.message).toContain("'project.name'");
    const shortPassword = await http
      .post('/identity/v3/users')
      .set('X-Auth-Token', admin)
      .send({ user: { name: 'shorty', password: 'abc' } });
    expect(shortPassword.status).toBe(400);
    const badDefault = await http
      .post('/identity/v3/users')
      .set('X-Auth-Token', admin)
      .send({ user: { name: 'lost', password: 'lost-password', default_project_id: 'nowhere' } });
    expect(badDefault.status).toBe(400);
    expect(badDefault.body.error.message).toBe(
      'default_project_id nowhere is not a valid project.',
    );
    const badGrant = await http
      .put(`/identity/v3/projects/${member.projectId}/users/${member.userId}/roles/nope`)
      .set('X-Auth-Token', admin);
    expect(badGrant.status).toBe(404);
  });

  it('updates and disables a user, which ends its tokens', async () => {
    await createPasswordUser(prisma, { name: 'bob', password: 'bob-password', roles: ['member'] });
    const token = await login(app, 'bob', 'bob-password');
    const bob = await prisma.user.findFirstOrThrow({ where: { name: 'bob' } });
    const res = await http
      .patch(`/identity/v3/users/${bob.id}`)
      .set('X-Auth-Token', admin)
      .send({ user: { email: 'bob@example.test', enabled: false } });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email: 'bob@example.test', enabled: false });
    const use = await http.get('/identity/v3/auth/catalog').set('X-Auth-Token', token);
    expect(use.status).toBe(401);
    const relogin = await http
      .post('/identity/v3/auth/tokens')
      .send(passwordAuth('bob', 'bob-password'));
    expect(relogin.status).toBe(401);
    expect(relogin.body).toEqual(unauthorizedBody);
  });

  it('lets a user change its own password with the original one', async () => {
    await createPasswordUser(prisma, {
      name: 'carol',
      password: 'carol-password',
      roles: ['reader'],
    });
    const token = await login(app, 'carol', 'carol-password');
    const carol = await prisma.user.findFirstOrThrow({ where: { name: 'carol' } });
    const wrong = await http
      .post(`/identity/v3/users/${carol.id}/password`)
      .set('X-Auth-Token', token)
      .send({ user: { original_password: 'not-it', password: 'carol-new-password' } });
    expect(wrong.status).toBe(401);
    const ok = await http
      .post(`/identity/v3/users/${carol.id}/password`)
      .set('X-Auth-Token', token)
      .send({ user: { original_password: 'carol-password', password: 'carol-new-password' } });
    expect(ok.status).toBe(204);
    expect((await http.get('/identity/v3/auth/catalog').set('X-Auth-Token', token)).status).toBe(
      401,
    );
    await login(app, 'carol', 'carol-new-password');
  });

  it('refuses to delete a project that still owns servers, then deletes it when empty', async () => {
    const project = await http
      .post('/identity/v3/projects')
      .set('X-Auth-Token', admin)
      .send({ project: { name: 'doomed' } });
    const id = project.body.project.id;
    const flavor = await prisma.flavor.findFirstOrThrow();
    const server = await prisma.server.create({
      data: {
        name: 'vm',
        projectId: id,
        userId: 'u',
        flavorId: flavor.id,
        instanceName: `nefos-doomed-${id}`,
      },
    });
    const refused = await http.delete(`/identity/v3/projects/${id}`).set('X-Auth-Token', admin);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      `Project ${id} still owns 1 server; delete them first.`,
    );
    await prisma.server.update({ where: { id: server.id }, data: { deleted: true } });
    const done = await http.delete(`/identity/v3/projects/${id}`).set('X-Auth-Token', admin);
    expect(done.status).toBe(204);
    const gone = await http.get(`/identity/v3/projects/${id}`).set('X-Auth-Token', admin);
    expect(gone.status).toBe(404);
  });

  it('deletes a user with its tokens', async () => {
    const victim = await createTestIdentity(prisma, { roles: ['member'] });
    const res = await http.delete(`/identity/v3/users/${victim.userId}`).set('X-Auth-Token', admin);
    expect(res.status).toBe(204);
    const use = await http.get('/identity/v3/auth/catalog').set('X-Auth-Token', victim.token);
    expect(use.status).toBe(401);
  });

  describe('policy', () => {
    it('refuses a member trying an admin call with 403', async () => {
      const res = await http
        .post('/identity/v3/users')
        .set('X-Auth-Token', member.token)
        .send({ user: { name: 'sneaky', password: 'sneaky-pass' } });
      expect(res.status).toBe(403);
      expect(res.body).toEqual(forbiddenBody('identity:users:create'));
      const list = await http.get('/identity/v3/users').set('X-Auth-Token', member.token);
      expect(list.status).toBe(403);
      const grant = await http
        .put(
          `/identity/v3/projects/${member.projectId}/users/${member.userId}/roles/${roleId.admin}`,
        )
        .set('X-Auth-Token', member.token);
      expect(grant.status).toBe(403);
      expect(grant.body).toEqual(forbiddenBody('identity:grants:create'));
      expect(await prisma.user.count({ where: { name: 'sneaky' } })).toBe(0);
    });

    it('refuses a reader trying to write with 403', async () => {
      const res = await http
        .patch(`/identity/v3/projects/${reader.projectId}`)
        .set('X-Auth-Token', reader.token)
        .send({ project: { description: 'changed by a reader' } });
      expect(res.status).toBe(403);
      expect(res.body).toEqual(forbiddenBody('identity:projects:update'));
      const del = await http
        .delete(`/identity/v3/users/${reader.userId}`)
        .set('X-Auth-Token', reader.token);
      expect(del.status).toBe(403);
      const project = await prisma.project.findUniqueOrThrow({ where: { id: reader.projectId } });
      expect(project.description).toBe('');
    });

    it("lets a user read itself and its project but not another's", async () => {
      const self = await http
        .get(`/identity/v3/users/${reader.userId}`)
        .set('X-Auth-Token', reader.token);
      expect(self.status).toBe(200);
      const other = await http
        .get(`/identity/v3/users/${member.userId}`)
        .set('X-Auth-Token', reader.token);
      expect(other.status).toBe(403);
      const ownProject = await http
        .get(`/identity/v3/projects/${reader.projectId}`)
        .set('X-Auth-Token', reader.token);
      expect(ownProject.status).toBe(200);
      const otherProject = await http
        .get(`/identity/v3/projects/${member.projectId}`)
        .set('X-Auth-Token', reader.token);
      expect(otherProject.status).toBe(403);
    });

    it('refuses every identity call without a token with 401', async () => {
      for (const path of ['/identity/v3/users', '/identity/v3/projects', '/identity/v3/roles']) {
        const res = await http.get(path);
        expect(res.status).toBe(401);
        expect(res.body).toEqual(unauthorizedBody);
      }
    });
  });

  describe('catalog listings', () => {
    it('lists the services and endpoints of the catalog', async () => {
      const services = await http.get('/identity/v3/services').set('X-Auth-Token', admin);
      // Other services (network, volume) add themselves once they exist.
      const types = services.body.services.map((s: { type: string }) => s.type);
      expect(types).toEqual(expect.arrayContaining(['compute', 'identity', 'image']));
      const endpoints = await http
        .get('/identity/v3/endpoints?interface=public')
        .set('X-Auth-Token', admin);
      expect(endpoints.body.endpoints).toHaveLength(types.length);
      const regions = await http.get('/identity/v3/regions').set('X-Auth-Token', admin);
      expect(regions.body.regions[0].id).toBe('RegionOne');
    });
  });
});
