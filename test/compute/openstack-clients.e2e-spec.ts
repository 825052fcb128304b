import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { startProcess, type RunningProcess } from '../support/processes';

// Debian's clients; the `python3` on PATH may be an interpreter without their packages.
const OPENSTACK = '/usr/bin/openstack';
const NOVA = '/usr/bin/nova';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The whole stack (`npm start` with libvirt's test driver: master, eventd, dispatcher, API)
 * driven by Debian's python-openstackclient and novaclient, as a user would.
 */
describe('openstack and nova clients against the whole stack', () => {
  let env: TestEnv;
  let stack: RunningProcess;
  let home: string;
  let db: Client;
  let serverId: string;

  function run(cmd: string, args: string[], timeoutMs = 300000): Promise<Run> {
    const osEnv = {
      PATH: '/usr/bin:/bin',
      HOME: home,
      OS_AUTH_URL: `${env.config.api.publicUrl}/identity/v3`,
      OS_IDENTITY_API_VERSION: '3',
      OS_USERNAME: 'admin',
      OS_PASSWORD: env.env.NEFOS_ADMIN_PASSWORD,
      OS_PROJECT_NAME: 'admin',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_INTERFACE: 'public',
    };
    return new Promise((resolve) => {
      execFile(
        cmd,
        args,
        { env: osEnv, timeout: timeoutMs, maxBuffer: 16 << 20 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  /** `openstack ... -f json`, failing the test with the client's own error output. */
  async function os<T = Record<string, unknown>>(...args: string[]): Promise<T> {
    const r = await run(OPENSTACK, [...args, '-f', 'json']);
    if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  async function ok(cmd: string, ...args: string[]): Promise<string> {
    const r = await run(cmd, args);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** Polls `openstack server show` (as `--wait` does) until the status, or fails on ERROR. */
  async function waitForStatus(
    id: string,
    status: string,
    timeoutMs = 120000,
  ): Promise<Record<string, unknown>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const s = await os('server', 'show', id);
      if (s.status === status) return s;
      if (s.status === 'ERROR')
        throw new Error(`server ${id} went ERROR: ${JSON.stringify(s.fault)}`);
      if (Date.now() > until)
        throw new Error(`server ${id} still ${String(s.status)} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async function jobCount(id: string): Promise<number> {
    const r = await db.query(
      'SELECT count(*)::int AS n FROM "ServerTrail" WHERE "serverId" = $1 AND source = $2',
      [id, 'rapi'],
    );
    return r.rows[0].n as number;
  }

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_HYPERVISOR: 'test', NEFOS_LOG_LEVEL: 'warn' });
    home = mkdtempSync(join(tmpdir(), 'nefos-osc-'));
    stack = startProcess('dist/stack/main.js', env.env);
    await stack.waitFor(/Nefos is running/, 600000);
    db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
  }, 900000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop('SIGTERM', 120000);
    rmSync(home, { recursive: true, force: true });
    await env?.cleanup();
  });

  it('flavor list shows the seeded flavors', async () => {
    const flavors = await os<Array<{ Name: string; RAM: number; VCPUs: number; Disk: number }>>(
      'flavor',
      'list',
    );
    expect(flavors.map((f) => f.Name)).toEqual(
      expect.arrayContaining(['m1.tiny', 'm1.small', 'm1.medium', 'm1.large']),
    );
    expect(flavors.find((f) => f.Name === 'm1.tiny')).toMatchObject({
      RAM: 512,
      VCPUs: 1,
      Disk: 1,
    });
  });

  it('image list shows the seeded image (through Glance v2)', async () => {
    const images = await os<Array<{ Name: string; Status: string }>>('image', 'list');
    expect(images).toEqual(
      expect.arrayContaining([expect.objectContaining({ Name: 'nefos-tiny', Status: 'active' })]),
    );
  });

  it('keypair create (generated and imported), list and delete', async () => {
    const generated = await run(OPENSTACK, ['keypair', 'create', 'gen-key']);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain('-----BEGIN RSA PRIVATE KEY-----');
    const keyFile = join(home, 'id_ed25519');
    await ok('/usr/bin/ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', keyFile);
    const imported = await os('keypair', 'create', '--public-key', `${keyFile}.pub`, 'my-key');
    const expected = (await ok('/usr/bin/ssh-keygen', '-l', '-E', 'md5', '-f', `${keyFile}.pub`))
      .split(' ')[1]
      .replace('MD5:', '');
    expect(imported.fingerprint).toBe(expected);
    const list = await os<Array<{ Name: string; Fingerprint: string }>>('keypair', 'list');
    expect(list.map((k) => k.Name).sort()).toEqual(['gen-key', 'my-key']);
    await ok(OPENSTACK, 'keypair', 'delete', 'gen-key');
    expect((await os<Array<{ Name: string }>>('keypair', 'list')).map((k) => k.Name)).toEqual([
      'my-key',
    ]);
    expect(readFileSync(`${keyFile}.pub`, 'utf8')).toContain('ssh-ed25519');
  });

  it('server create --wait builds a server to ACTIVE with a public address', async () => {
    const server = await os(
      'server',
      'create',
      '--flavor',
      'm1.tiny',
      '--image',
      'nefos-tiny',
      '--key-name',
      'my-key',
      '--property',
      'role=e2e',
      '--wait',
      'e2e-1',
    );
    expect(server.status).toBe('ACTIVE');
    serverId = server.id as string;
    expect(JSON.stringify(server.addresses)).toMatch(/"public":\["10\.99\.\d+\.\d+"\]/);
  });

  it('server list and server show describe it', async () => {
    const list = await os<
      Array<{
        ID: string;
        Name: string;
        Status: string;
        Networks: unknown;
        Flavor: string;
        Image: string;
      }>
    >('server', 'list');
    expect(list).toEqual([
      expect.objectContaining({
        ID: serverId,
        Name: 'e2e-1',
        Status: 'ACTIVE',
        Flavor: 'm1.tiny',
        Image: 'nefos-tiny',
      }),
    ]);
    const show = await os('server', 'show', serverId);
    expect(show).toMatchObject({
      id: serverId,
      name: 'e2e-1',
      status: 'ACTIVE',
      key_name: 'my-key',
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-AZ:availability_zone': 'nova',
    });
    expect(show.properties).toEqual({ role: 'e2e' });
  });

  it('server reboot --wait, soft then --hard, each through one RAPI job', async () => {
    const before = await jobCount(serverId);
    await ok(OPENSTACK, 'server', 'reboot', '--wait', serverId);
    expect((await os('server', 'show', serverId)).status).toBe('ACTIVE');
    await ok(OPENSTACK, 'server', 'reboot', '--hard', '--wait', serverId);
    expect((await os('server', 'show', serverId)).status).toBe('ACTIVE');
    expect(await jobCount(serverId)).toBe(before + 2);
    const ops = await db.query(
      'SELECT opcode FROM "ServerTrail" WHERE "serverId" = $1 AND source = $2 ORDER BY id',
      [serverId, 'rapi'],
    );
    expect(ops.rows.map((r) => r.opcode)).toEqual([
      'OP_INSTANCE_CREATE',
      'OP_INSTANCE_REBOOT',
      'OP_INSTANCE_REBOOT',
    ]);
  });

  it('server stop reaches SHUTOFF and server start reaches ACTIVE', async () => {
    await ok(OPENSTACK, 'server', 'stop', serverId);
    expect(await waitForStatus(serverId, 'SHUTOFF')).toMatchObject({
      'OS-EXT-STS:power_state': 4,
      'OS-EXT-STS:vm_state': 'stopped',
    });
    const again = await run(OPENSTACK, ['server', 'stop', serverId]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/409|conflict|vm_state stopped/i);
    await ok(OPENSTACK, 'server', 'start', serverId);
    await waitForStatus(serverId, 'ACTIVE');
  });

  it('limits show --absolute counts the server', async () => {
    const limits = await os<Array<{ Name: string; Value: number }>>('limits', 'show', '--absolute');
    const value = (name: string): number | undefined => limits.find((l) => l.Name === name)?.Value;
    expect(value('totalInstancesUsed')).toBe(1);
    expect(value('totalCoresUsed')).toBe(1);
    expect(value('totalRAMUsed')).toBe(512);
    expect(value('maxTotalInstances')).toBe(10);
  });

  it('server delete --wait removes it and gives the quota back', async () => {
    await ok(OPENSTACK, 'server', 'delete', '--wait', serverId);
    expect(await os('server', 'list')).toEqual([]);
    const gone = await run(OPENSTACK, ['server', 'show', serverId]);
    expect(gone.code).not.toBe(0);
    const limits = await os<Array<{ Name: string; Value: number }>>('limits', 'show', '--absolute');
    expect(limits.find((l) => l.Name === 'totalInstancesUsed')?.Value).toBe(0);
    const row = await db.query('SELECT deleted, operstate FROM "Server" WHERE id = $1', [serverId]);
    expect(row.rows[0]).toEqual({ deleted: true, operstate: 'DESTROYED' });
  });

  it('nova boot --poll, list, show and delete', async () => {
    const boot = await ok(
      NOVA,
      'boot',
      '--flavor',
      'm1.tiny',
      '--image',
      'nefos-tiny',
      '--poll',
      'nova-1',
    );
    const id = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(boot)?.[1];
    expect(id).toBeDefined();
    const list = await ok(NOVA, 'list');
    expect(list).toMatch(new RegExp(`${id}\\s*\\|\\s*nova-1\\s*\\|\\s*ACTIVE`));
    const show = await ok(NOVA, 'show', id!);
    expect(show).toMatch(/\|\s*status\s*\|\s*ACTIVE/);
    expect(show).toMatch(/public network\s*\|\s*10\.99\./);
    await ok(NOVA, 'delete', id!);
    const until = Date.now() + 120000;
    while ((await ok(NOVA, 'list')).includes(id!)) {
      if (Date.now() > until) throw new Error('nova delete did not finish');
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
});
