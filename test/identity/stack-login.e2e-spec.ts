import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { startProcess, type RunningProcess } from '../support/processes';
import { ADMIN_PASSWORD } from './identity-support';

function openstack(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile('/usr/bin/openstack', args, { env, timeout: 120000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** The Done-when of identity: a user's first commands against a stack started from scratch. */
describe('openstack login against a freshly started stack', () => {
  let env: TestEnv;
  let stack: RunningProcess;
  let home: string;
  let base: string;

  beforeAll(async () => {
    env = await createTestEnv();
    home = mkdtempSync(join(tmpdir(), 'nefos-osc-home-'));
    base = `http://127.0.0.1:${env.env.NEFOS_API_PORT}`;
    stack = startProcess('dist/stack/main.js', env.env);
    await stack.waitFor(/Nefos is running/);
  });
  afterAll(async () => {
    await stack?.stop('SIGTERM');
    rmSync(home, { recursive: true, force: true });
    await env.cleanup();
  });

  it('prints the credentials that openstack token issue and catalog list then use unchanged', async () => {
    // The banner's export line, as a user would paste it.
    const line = stack.output().match(/export (OS_AUTH_URL=.*)$/m)?.[1];
    expect(line).toBeDefined();
    const osEnv: Record<string, string> = { PATH: '/usr/bin:/bin', HOME: home };
    for (const [, k, v] of line!.matchAll(/(OS_[A-Z_]+)=('[^']*'|\S+)/g)) {
      osEnv[k] = v.replace(/^'|'$/g, '');
    }
    expect(osEnv.OS_AUTH_URL).toBe(`${base}/identity/v3`);
    expect(osEnv.OS_PASSWORD).toBe(ADMIN_PASSWORD);

    const token = await openstack(osEnv, 'token', 'issue', '-f', 'json');
    expect(token.code).toBe(0);
    expect(JSON.parse(token.stdout)).toMatchObject({
      id: expect.any(String),
      project_id: expect.any(String),
    });

    const catalog = await openstack(osEnv, 'catalog', 'list', '-f', 'json');
    expect(catalog.code).toBe(0);
    const types = (JSON.parse(catalog.stdout) as Array<{ Type: string }>).map((s) => s.Type);
    expect(types).toEqual(expect.arrayContaining(['compute', 'identity', 'image']));
  });

  it('answers an old-style Keystone v2.0 configuration too', async () => {
    const run = await openstack(
      {
        PATH: '/usr/bin:/bin',
        HOME: home,
        OS_AUTH_URL: `${base}/identity/v2.0`,
        OS_IDENTITY_API_VERSION: '2',
        OS_USERNAME: 'admin',
        OS_PASSWORD: ADMIN_PASSWORD,
        OS_TENANT_NAME: 'admin',
      },
      'token',
      'issue',
      '-f',
      'json',
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).project_id).toMatch(/^[0-9a-f]{32}$/);
  });
});
