import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrismaClient } from '../../libs/database/src';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { testPrisma } from '../support/identity-fixtures';
import { startProcess, type RunningProcess } from '../support/processes';
import { ADMIN_PASSWORD, seedIdentity } from './identity-support';

// Debian's python3-openstackclient; the `python3` on PATH may be another interpreter without it.
const OPENSTACK = '/usr/bin/openstack';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface Credentials {
  user: string;
  password: string;
  project?: string;
}

describe('the real openstack client against the API', () => {
  let env: TestEnv;
  let prisma: PrismaClient;
  let api: RunningProcess;
  let home: string;
  let base: string;

  /** `openstack` with a clean environment: only the OS_* settings a user would export. */
  function openstack(osEnv: Record<string, string>, ...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        OPENSTACK,
        args,
        { env: { PATH: '/usr/bin:/bin', HOME: home, ...osEnv }, timeout: 120000 },
        (err, stdout, stderr) =>
          resolve({
            code: err ? ((err as { code?: number }).code ?? 1) : 0,
            stdout,
            stderr,
          }),
      );
    });
  }

  const v3 = (c: Credentials, ...args: string[]): Promise<Run> =>
    openstack(
      {
        OS_AUTH_URL: `${base}/identity/v3`,
        OS_IDENTITY_API_VERSION: '3',
        OS_USERNAME: c.user,
        OS_PASSWORD: c.password,
        OS_USER_DOMAIN_NAME: 'Default',
        ...(c.project ? { OS_PROJECT_NAME: c.project, OS_PROJECT_DOMAIN_NAME: 'Default' } : {}),
      },
      ...args,
    );

  /** An old-style configuration: Keystone v2.0 URL, tenant name, no domains. */
  const v2 = (c: Credentials, ...args: string[]): Promise<Run> =>
    openstack(
      {
        OS_AUTH_URL: `${base}/identity/v2.0`,
        OS_IDENTITY_API_VERSION: '2',
        OS_USERNAME: c.user,
        OS_PASSWORD: c.password,
        OS_TENANT_NAME: c.project ?? '',
      },
      ...args,
    );

  const admin: Credentials = { user: 'admin', password: ADMIN_PASSWORD, project: 'admin' };

  function parsed<T>(run: Run): T {
    if (run.code !== 0) throw new Error(`openstack failed (${run.code}): ${run.stderr}`);
    return JSON.parse(run.stdout) as T;
  }

  beforeAll(async () => {
    if (!existsSync(OPENSTACK)) {
      throw new Error(`${OPENSTACK} is missing: install python3-openstackclient (.ci/run does)`);
    }
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    await seedIdentity(prisma, env);
    home = mkdtempSync(join(tmpdir(), 'nefos-osc-home-'));
    base = `http://127.0.0.1:${env.env.NEFOS_API_PORT}`;
    // At info level the API announces when it listens.
    api = startProcess('dist/src/main.js', { ...env.env, NEFOS_LOG_LEVEL: 'info' });
    await api.waitFor(/API listening/);
  });
  afterAll(async () => {
    await api?.stop();
    await prisma.$disconnect();
    rmSync(home, { recursive: true, force: true });
    await env.cleanup();
  });

  describe('Keystone v3', () => {
    it('openstack token issue', async () => {
      const token = parsed<Record<string, string>>(await v3(admin, 'token', 'issue', '-f', 'json'));
      const project = await prisma.project.findFirstOrThrow({ where: { name: 'admin' } });
      const user = await prisma.user.findFirstOrThrow({ where: { name: 'admin' } });
      expect(token.project_id).toBe(project.id);
      expect(token.user_id).toBe(user.id);
      expect(token.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Date.parse(token.expires) - Date.now()).toBeGreaterThan(3000 * 1000);
    });

    it('openstack catalog list', async () => {
      const catalog = parsed<
        Array<{ Name: string; Type: string; Endpoints: Array<Record<string, string>> }>
      >(await v3(admin, 'catalog', 'list', '-f', 'json'));
      expect(catalog.map((s) => s.Type)).toEqual(
        expect.arrayContaining(['compute', 'identity', 'image']),
      );
      const compute = catalog.find((s) => s.Type === 'compute')!;
      expect(compute.Name).toBe('nova');
      expect(compute.Endpoints.map((e) => [e.interface, e.region, e.url])).toEqual([
        ['public', 'RegionOne', `${base}/compute/v2.1`],
        ['internal', 'RegionOne', `${base}/compute/v2.1`],
        ['admin', 'RegionOne', `${base}/compute/v2.1`],
      ]);
      const identity = catalog.find((s) => s.Type === 'identity')!;
      expect(identity.Endpoints[0].url).toBe(`${base}/identity`);

      // The table a user reads.
      const table = await v3(admin, 'catalog', 'list');
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(`public: ${base}/compute/v2.1`);
      expect(table.stdout).toContain(`public: ${base}/image`);
    });

    it('fails with the server’s message for a wrong password', async () => {
      const run = await v3({ ...admin, password: 'wrong-password' }, 'token', 'issue');
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('The request you have made requires authentication. (HTTP 401)');
    });

    it('openstack token revoke ends a token', async () => {
      const token = parsed<{ id: string }>(await v3(admin, 'token', 'issue', '-f', 'json'));
      const revoke = await v3(admin, 'token', 'revoke', token.id);
      expect(revoke.code).toBe(0);
      const res = await fetch(`${base}/identity/v3/auth/projects`, {
        headers: { 'X-Auth-Token': token.id },
      });
      expect(res.status).toBe(401);
    });
  });

  describe('Keystone v2.0 (old-style client configuration)', () => {
    it('openstack --os-identity-api-version 2 token issue posts to /v2.0/tokens', async () => {
      const run = await v2(admin, '--debug', 'token', 'issue', '-f', 'json');
      expect(run.stderr).toContain('"POST /identity/v2.0/tokens HTTP/1.1" 200');
      expect(run.stderr).not.toContain('/identity/v3/auth/tokens');
      const token = parsed<Record<string, string>>(run);
      const project = await prisma.project.findFirstOrThrow({ where: { name: 'admin' } });
      expect(token.project_id).toBe(project.id);
    });

    it('openstack catalog list through v2.0', async () => {
      const catalog = parsed<Array<{ Type: string; Endpoints: Array<Record<string, string>> }>>(
        await v2(admin, 'catalog', 'list', '-f', 'json'),
      );
      const compute = catalog.find((s) => s.Type === 'compute')!;
      expect(compute.Endpoints).toEqual([
        expect.objectContaining({
          region: 'RegionOne',
          publicURL: `${base}/compute/v2.1`,
          internalURL: `${base}/compute/v2.1`,
          adminURL: `${base}/compute/v2.1`,
        }),
      ]);
    });
  });

  describe('onboarding and quotas with openstack commands', () => {
    it('creates a project, a user and a role, then the user logs in', async () => {
      parsed(await v3(admin, 'project', 'create', 'demo', '-f', 'json'));
      parsed(
        await v3(
          admin,
          'user',
          'create',
          '--password',
          'demo-password',
          '--project',
          'demo',
          'demo',
          '-f',
          'json',
        ),
      );
      const grant = await v3(admin, 'role', 'add', '--project', 'demo', '--user', 'demo', 'member');
      expect(grant.code).toBe(0);
      const assignments = parsed<Array<{ Role: string; User: string; Project: string }>>(
        await v3(admin, 'role', 'assignment', 'list', '--names', '--project', 'demo', '-f', 'json'),
      );
      expect(assignments).toEqual([
        expect.objectContaining({ Role: 'member', User: 'demo@Default', Project: 'demo@Default' }),
      ]);
      const token = parsed<{ project_id: string }>(
        await v3(
          { user: 'demo', password: 'demo-password', project: 'demo' },
          'token',
          'issue',
          '-f',
          'json',
        ),
      );
      const demo = await prisma.project.findFirstOrThrow({ where: { name: 'demo' } });
      expect(token.project_id).toBe(demo.id);
    });

    it('openstack quota set --instances N PROJECT and openstack quota show', async () => {
      const set = await v3(admin, 'quota', 'set', '--instances', '7', '--cores', '14', 'demo');
      expect(set.code).toBe(0);
      const shown = parsed<Record<string, unknown>>(
        await v3(admin, 'quota', 'show', 'demo', '-f', 'json'),
      );
      expect(shown).toMatchObject({ instances: 7, cores: 14, ram: 51200, project_name: 'demo' });

      // The member sees its own project's quota but may not change it.
      const demo = { user: 'demo', password: 'demo-password', project: 'demo' };
      const own = parsed<Record<string, unknown>>(await v3(demo, 'quota', 'show', '-f', 'json'));
      expect(own.instances).toBe(7);
      const refused = await v3(demo, 'quota', 'set', '--instances', '99', 'demo');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('HTTP 403');
      const after = parsed<Record<string, unknown>>(
        await v3(admin, 'quota', 'show', 'demo', '-f', 'json'),
      );
      expect(after.instances).toBe(7);
    });

    it('openstack quota list --detail shows usage', async () => {
      const rows = parsed<Array<{ Resource: string; 'In Use': number; Limit: number }>>(
        await v3(
          admin,
          'quota',
          'list',
          '--compute',
          '--detail',
          '--project',
          'demo',
          '-f',
          'json',
        ),
      );
      expect(rows.find((r) => r.Resource === 'instances')).toMatchObject({ 'In Use': 0, Limit: 7 });
    });
  });
});
