import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '../../libs/database/src';
import { runManage, type CliResult } from '../support/manage-cli';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { createTestApiApp } from '../support/api-app';
import { testPrisma } from '../support/identity-fixtures';
import { login, passwordAuth, seedIdentity } from './identity-support';

/** Runs the compiled `nefos-manage` against the test database. */
const manage = (env: TestEnv, ...args: string[]): Promise<CliResult> => runManage(env.env, ...args);

async function json<T>(env: TestEnv, ...args: string[]): Promise<T> {
  const r = await manage(env, ...args, '--json');
  if (r.code !== 0) throw new Error(`nefos-manage ${args.join(' ')}: ${r.code} ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

describe('nefos-manage identity and quota commands', () => {
  let env: TestEnv;
  let prisma: PrismaClient;
  let app: NestExpressApplication;

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    await seedIdentity(prisma, env);
    app = await createTestApiApp(env);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  describe('project-create, user-create, role-add', () => {
    it('onboards a project and a user who can then log in with the printed password', async () => {
      const project = await manage(env, 'project-create', 'acme', '--description', 'ACME corp');
      expect(project.code).toBe(0);
      expect(project.stdout).toMatch(/^name\s+acme$/m);
      expect(project.stdout).toMatch(/^description\s+ACME corp$/m);

      const user = await json<{ id: string; name: string; password: string; role: string }>(
        env,
        'user-create',
        'wile',
        '--project',
        'acme',
      );
      expect(user.name).toBe('wile');
      expect(user.role).toBe('member on acme');
      expect(user.password).toMatch(/^[A-Za-z0-9]{20}$/);

      const token = await login(app, 'wile', user.password, 'acme');
      expect(token).toBeTruthy();

      const reader = await manage(env, 'role-add', 'wile', 'acme', 'reader');
      expect(reader.code).toBe(0);
      expect(reader.stdout.trim()).toBe('Gave wile the role reader on acme');
      const roles = await json<Array<{ user: string; project: string; role: string }>>(
        env,
        'role-list',
        '--project',
        'acme',
      );
      expect(roles.map((r) => r.role).sort()).toEqual(['member', 'reader']);
    });

    it('takes an explicit password and refuses a short one, a duplicate and unknown names', async () => {
      const ok = await manage(env, 'user-create', 'roadrunner', '--password', 'meep-meep-meep');
      expect(ok.code).toBe(0);
      expect(ok.stdout).not.toMatch(/password/);
      await login(app, 'roadrunner', 'meep-meep-meep');

      const dup = await manage(env, 'user-create', 'roadrunner', '--password', 'meep-meep-meep');
      expect(dup.code).toBe(1);
      expect(dup.stdout).toBe('');
      expect(dup.stderr).toBe(
        'error: Conflict occurred attempting to store user - Duplicate entry found with name roadrunner at domain ID default.\n',
      );
      const short = await manage(env, 'user-create', 'coyote', '--password', 'short');
      expect(short.code).toBe(1);
      expect(short.stderr).toMatch(/^error: Password validation error/);
      const noProject = await manage(env, 'user-create', 'coyote', '--project', 'nowhere');
      expect(noProject.code).toBe(1);
      expect(noProject.stderr).toBe('error: Could not find project: nowhere.\n');
      const noRole = await manage(env, 'role-add', 'roadrunner', 'acme', 'owner');
      expect(noRole.code).toBe(1);
      expect(noRole.stderr).toBe('error: Could not find role: owner.\n');
      expect(await prisma.user.count({ where: { name: 'coyote' } })).toBe(0);
    });

    it('answers an unknown command and a missing argument with a usage error', async () => {
      const unknown = await manage(env, 'user-frobnicate');
      expect(unknown.code).not.toBe(0);
      const missing = await manage(env, 'project-create');
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/missing required argument 'name'/);
    });
  });

  describe('user-list, project-list, user-set', () => {
    it('lists users and projects as tables and JSON', async () => {
      const users = await manage(env, 'user-list');
      expect(users.code).toBe(0);
      expect(users.stdout.split('\n')[0]).toMatch(
        /^id\s+name\s+domain\s+enabled\s+email\s+default_project$/,
      );
      expect(users.stdout).toMatch(/\sadmin\s+default\s+true\s/);
      const projects = await json<Array<{ name: string }>>(env, 'project-list');
      expect(projects.map((p) => p.name)).toEqual(expect.arrayContaining(['admin', 'acme']));
    });

    it('disables a user (its logins then fail) and sets a new password', async () => {
      await manage(env, 'user-create', 'tweety', '--password', 'tweety-pass-1');
      const disabled = await manage(env, 'user-set', 'tweety', '--disable');
      expect(disabled.code).toBe(0);
      expect(disabled.stdout).toMatch(/^enabled\s+false$/m);
      const refused = await request(app.getHttpServer())
        .post('/identity/v3/auth/tokens')
        .send(passwordAuth('tweety', 'tweety-pass-1'));
      expect(refused.status).toBe(401);
      await manage(env, 'user-set', 'tweety', '--enable', '--password', 'tweety-pass-2');
      await login(app, 'tweety', 'tweety-pass-2');
      const nothing = await manage(env, 'user-set', 'tweety');
      expect(nothing.code).toBe(1);
      expect(nothing.stderr).toMatch(/^error: nothing to change/);
    });
  });

  describe('quota-set and quota-show', () => {
    it('sets limits and shows them with usage', async () => {
      const set = await manage(env, 'quota-set', 'acme', '--instances', '3', '--ram', '-1');
      expect(set.code).toBe(0);
      expect(set.stdout).toMatch(/^instances\s+3\s+0\s+0$/m);
      expect(set.stdout).toMatch(/^ram\s+-1\s+0\s+0$/m);
      const shown = await json<Array<{ resource: string; limit: number; in_use: number }>>(
        env,
        'quota-show',
        'acme',
      );
      expect(shown.find((r) => r.resource === 'instances')).toEqual({
        resource: 'instances',
        limit: 3,
        in_use: 0,
        reserved: 0,
      });
      expect(shown.map((r) => r.resource)).toEqual([
        'instances',
        'cores',
        'ram',
        'disk',
        'key_pairs',
        'metadata_items',
        'networks',
        'floating_ips',
      ]);
      const defaults = await json<Array<{ resource: string; limit: number }>>(
        env,
        'quota-show',
        '--defaults',
      );
      expect(defaults.find((r) => r.resource === 'instances')?.limit).toBe(10);
    });

    it('refuses a limit below usage unless forced, bad numbers and unknown projects', async () => {
      const acme = await prisma.project.findFirstOrThrow({ where: { name: 'acme' } });
      await prisma.quotaUsage.upsert({
        where: { projectId_resource: { projectId: acme.id, resource: 'cores' } },
        create: { projectId: acme.id, resource: 'cores', inUse: 4 },
        update: { inUse: 4 },
      });
      const below = await manage(env, 'quota-set', 'acme', '--cores', '2');
      expect(below.code).toBe(1);
      expect(below.stderr).toBe(
        'error: Quota limit 2 for cores must be greater than or equal to already used and reserved 4.\n',
      );
      const forced = await manage(env, 'quota-set', 'acme', '--cores', '2', '--force');
      expect(forced.code).toBe(0);
      expect(forced.stdout).toMatch(/^cores\s+2\s+4\s+0$/m);
      const bad = await manage(env, 'quota-set', 'acme', '--cores', 'two');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('error: --cores needs a whole number (-1 is unlimited)\n');
      const none = await manage(env, 'quota-set', 'acme');
      expect(none.code).toBe(1);
      const unknown = await manage(env, 'quota-show', 'nowhere');
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe('error: Could not find project: nowhere.\n');
      const reset = await manage(env, 'quota-reset', 'acme');
      expect(reset.code).toBe(0);
      expect(reset.stdout).toMatch(/^cores\s+20\s+4\s+0$/m);
    });
  });

  describe('role-remove, user-delete, project-delete', () => {
    it('removes roles, users and projects', async () => {
      const token = await login(app, 'roadrunner', 'meep-meep-meep');
      const removed = await manage(env, 'role-remove', 'wile', 'acme', 'reader');
      expect(removed.code).toBe(0);
      const again = await manage(env, 'role-remove', 'wile', 'acme', 'reader');
      expect(again.code).toBe(1);

      const rr = await prisma.user.findFirstOrThrow({ where: { name: 'roadrunner' } });
      const del = await manage(env, 'user-delete', rr.id);
      expect(del.code).toBe(0);
      expect(del.stdout.trim()).toBe(`Deleted user roadrunner (${rr.id})`);
      const use = await request(app.getHttpServer())
        .get('/identity/v3/auth/projects')
        .set('X-Auth-Token', token);
      expect(use.status).toBe(401);

      const acme = await prisma.project.findFirstOrThrow({ where: { name: 'acme' } });
      const flavor = await prisma.flavor.findFirstOrThrow();
      const server = await prisma.server.create({
        data: {
          name: 'vm',
          projectId: acme.id,
          userId: rr.id,
          flavorId: flavor.id,
          instanceName: `nefos-cli-${acme.id}`,
        },
      });
      const busy = await manage(env, 'project-delete', 'acme');
      expect(busy.code).toBe(1);
      expect(busy.stderr).toBe(
        `error: Project ${acme.id} still owns 1 server; delete them first.\n`,
      );
      await prisma.server.delete({ where: { id: server.id } });
      const gone = await manage(env, 'project-delete', 'acme');
      expect(gone.code).toBe(0);
      expect(await prisma.project.count({ where: { name: 'acme' } })).toBe(0);
      expect(await prisma.quotaUsage.count({ where: { projectId: acme.id } })).toBe(0);
    });
  });
});
