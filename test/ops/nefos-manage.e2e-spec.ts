import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpsStack, type OpsStack } from './support/ops-stack';

const COMMANDS = [
  'backend-add',
  'backend-list',
  'backend-modify',
  'backend-remove',
  'node-list',
  'node-modify',
  'server-list',
  'server-show',
  'server-inspect',
];

/** The operations commands of nefos-manage against the running stack: output and exit codes. */
describe('nefos-manage backends, nodes and servers', () => {
  let ops: OpsStack;
  let dir: string;
  let active: { id: string; requestId: string };
  let stopped: { id: string; requestId: string };
  let rapiUrl: string;
  let passwordFile: string;

  beforeAll(async () => {
    ops = await startOpsStack();
    dir = mkdtempSync(join(tmpdir(), 'nefos-manage-ops-'));
    passwordFile = join(dir, 'rapi-password');
    writeFileSync(passwordFile, `${ops.env.env.NEFOS_RAPI_PASSWORD}\n`);
    rapiUrl = `https://127.0.0.1:${ops.env.config.rapi.port}`;
    active = await ops.createServer('cli-active');
    stopped = await ops.createServer('cli-stopped');
    await ops.waitForStatus(active.id, 'ACTIVE');
    await ops.waitForStatus(stopped.id, 'ACTIVE');
    expect(
      (await ops.call('POST', `/compute/v2.1/servers/${stopped.id}/action`, { 'os-stop': null }))
        .status,
    ).toBe(202);
    await ops.waitForStatus(stopped.id, 'SHUTOFF');
  }, 600000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ops?.stop();
  });

  it.each(COMMANDS)('%s --help describes the command and exits 0', async (cmd) => {
    const r = await ops.manage(cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: nefos-manage ${cmd}`);
    expect(r.stdout).toContain('--json');
  });

  describe('backend-*', () => {
    it('backend-list shows the embedded backend with capacity', async () => {
      const table = await ops.manage('backend-list');
      expect(table.code).toBe(0);
      expect(table.stdout.split('\n')[0]).toMatch(
        /^name\s+url\s+hypervisor\s+drained\s+offline\s+nodes/,
      );
      expect(table.stdout).toMatch(
        /^nefos-local\s+https:\/\/127\.0\.0\.1:\d+\s+fake\s+false\s+false\s+1\s/m,
      );
      const json = await ops.manage('backend-list', '--json');
      const [b] = JSON.parse(json.stdout);
      expect(b).toMatchObject({ name: 'nefos-local', drained: false, offline: false });
      expect(b).not.toHaveProperty('rapiPassword');
      expect(b.nodes).toHaveLength(1);
      expect(b.memoryMib).toBeGreaterThan(0);
      const cached = await ops.manage('backend-list', '--cached', '--json');
      expect(cached.code).toBe(0);
      expect(JSON.parse(cached.stdout)[0].memoryMib).toBe(b.memoryMib);
    });

    it('backend-add checks the RAPI first: wrong password, unreachable and duplicate names fail', async () => {
      const wrong = join(dir, 'wrong');
      writeFileSync(wrong, 'not-the-password\n');
      const refused = await ops.manage(
        'backend-add',
        'zone-b',
        '--url',
        rapiUrl,
        '--password-file',
        wrong,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^error: .*refused the credentials of nefos \(401\)/);
      const unreachable = await ops.manage(
        'backend-add',
        'zone-b',
        '--url',
        'https://127.0.0.1:9',
        '--password',
        'x',
      );
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/Cannot reach the RAPI of zone-b/);
      const dup = await ops.manage(
        'backend-add',
        'nefos-local',
        '--url',
        rapiUrl,
        '--password-file',
        passwordFile,
      );
      expect(dup.code).toBe(1);
      expect(dup.stderr).toMatch(/already exists/);
      const noUrl = await ops.manage('backend-add', 'zone-b', '--password', 'x');
      expect(noUrl.code).toBe(1);
      expect(noUrl.stderr).toMatch(/--url is required/);
      expect(JSON.parse((await ops.manage('backend-list', '--json')).stdout)).toHaveLength(1);
    });

    it('backend-add adds a reachable cluster and reads its nodes; --no-check adds one offline', async () => {
      const r = await ops.manage(
        'backend-add',
        'zone-b',
        '--url',
        rapiUrl,
        '--password-file',
        passwordFile,
        '--hypervisor',
        'fake',
        '--json',
      );
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        name: 'zone-b',
        drained: false,
        offline: false,
        nodes: 1,
        capacity: '1 nodes read',
      });
      const later = await ops.manage(
        'backend-add',
        'zone-c',
        '--url',
        'https://198.51.100.7:5080',
        '--password',
        'x',
        '--no-check',
        '--offline',
        'yes',
      );
      expect(later.code).toBe(0);
      expect(later.stdout).toMatch(/^offline\s+true$/m);
      expect(later.stdout).toMatch(/^capacity\s+offline: not read$/m);
    });

    it('backend-modify drains a backend and refuses bad or empty changes', async () => {
      const r = await ops.manage('backend-modify', 'zone-b', '--drained', 'yes', '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ name: 'zone-b', drained: true });
      const bad = await ops.manage('backend-modify', 'zone-b', '--drained', 'maybe');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('error: --drained takes yes or no, not "maybe"\n');
      const nothing = await ops.manage('backend-modify', 'zone-b');
      expect(nothing.code).toBe(1);
      expect(nothing.stderr).toMatch(/nothing to change/);
      const online = await ops.manage('backend-modify', 'zone-c', '--offline', 'no');
      expect(online.code).toBe(1); // nothing answers there
      expect(online.stderr).toMatch(/Cannot reach the RAPI of zone-c/);
      const missing = await ops.manage('backend-modify', 'nope', '--drained', 'no');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('error: Backend nope could not be found.\n');
    });

    it('backend-remove removes an empty backend and refuses one that holds servers', async () => {
      for (const name of ['zone-b', 'zone-c']) {
        const r = await ops.manage('backend-remove', name);
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(`Removed backend ${name}\n`);
      }
      const busy = await ops.manage('backend-remove', 'nefos-local');
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/still holds 2 servers/);
      expect((await ops.manage('backend-remove', 'zone-b')).code).toBe(1);
    });
  });

  describe('node-*', () => {
    it('node-list reads the nodes live through RAPI', async () => {
      const r = await ops.manage('node-list');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[0]).toMatch(
        /^backend\s+node\s+role\s+drained\s+offline\s+cpus\s+mtotal\s+mfree\s+dtotal\s+dfree\s+instances$/,
      );
      const [n] = JSON.parse((await ops.manage('node-list', '--json')).stdout);
      expect(n).toMatchObject({
        backend: 'nefos-local',
        role: 'master',
        drained: false,
        offline: false,
        instances: 2,
      });
      const missing = await ops.manage('node-list', '--backend', 'nope');
      expect(missing.code).toBe(1);
    });

    it('node-modify drains and undrains a node through a RAPI job carrying a request id', async () => {
      const [n] = JSON.parse((await ops.manage('node-list', '--json')).stdout);
      const drain = await ops.manage(
        'node-modify',
        'nefos-local',
        n.node,
        '--drained',
        'yes',
        '--json',
      );
      expect(drain.code).toBe(0);
      const out = JSON.parse(drain.stdout);
      expect(out).toMatchObject({
        backend: 'nefos-local',
        node: n.node,
        status: 'success',
        drained: true,
      });
      expect(out.request_id).toMatch(/^req-[0-9a-f-]{36}$/);
      const [after] = JSON.parse((await ops.manage('node-list', '--json')).stdout);
      expect(after.drained).toBe(true);
      const jobs = await ops.call('GET', '/admin/api/jobs?limit=500');
      expect(jobs.body.jobs.find((j: { id: number }) => j.id === out.job)).toMatchObject({
        requestId: out.request_id,
        status: 'success',
      });
      expect((await ops.manage('node-modify', 'nefos-local', n.node, '--drained', 'no')).code).toBe(
        0,
      );
      const [back] = JSON.parse((await ops.manage('node-list', '--json')).stdout);
      expect(back.drained).toBe(false);
    });

    it('node-modify fails for an unknown node or without a change', async () => {
      const unknown = await ops.manage(
        'node-modify',
        'nefos-local',
        'no-such-node',
        '--drained',
        'yes',
      );
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/refused the change of node no-such-node .*not known/);
      const none = await ops.manage('node-modify', 'nefos-local', 'no-such-node');
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/give --drained yes\|no/);
    });
  });

  describe('server-*', () => {
    it("server-list shows every project's servers with their states, filtered and paged", async () => {
      const r = await ops.manage('server-list');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^${active.id}\\s+cli-active\\s+ACTIVE\\s`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^${stopped.id}\\s+cli-stopped\\s+SHUTOFF\\s`, 'm'));
      expect(r.stdout).toMatch(/^2 of 2 shown$/m);
      const filtered = JSON.parse(
        (await ops.manage('server-list', '--state', 'stopped', '--json')).stdout,
      );
      expect(filtered.servers.map((s: { id: string }) => s.id)).toEqual([stopped.id]);
      const first = await ops.manage('server-list', '--limit', '1');
      const marker = /next page: --marker (\S+)/.exec(first.stdout)?.[1];
      expect(marker).toBe(stopped.id);
      const second = JSON.parse(
        (await ops.manage('server-list', '--limit', '1', '--marker', marker!, '--json')).stdout,
      );
      expect(second).toMatchObject({ next: null, total: 2 });
      expect(second.servers[0].id).toBe(active.id);
      const bad = await ops.manage('server-list', '--state', 'RUNNING');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--state takes one of BUILD, STARTED/);
      expect((await ops.manage('server-list', '--limit', '0')).code).toBe(1);
    });

    it('server-show shows one server by name, id or instance name', async () => {
      const r = await ops.manage('server-show', 'cli-stopped');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^id\\s+${stopped.id}$`, 'm'));
      expect(r.stdout).toMatch(/^status\s+SHUTOFF$/m);
      expect(r.stdout).toMatch(/^backendOpcode\s+OP_INSTANCE_SHUTDOWN$/m);
      const json = JSON.parse(
        (await ops.manage('server-show', `nefos-${active.id}`, '--json')).stdout,
      );
      expect(json).toMatchObject({
        id: active.id,
        status: 'ACTIVE',
        backend: 'nefos-local',
        projectName: 'admin',
      });
      const missing = await ops.manage('server-show', 'nope');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('error: Server nope could not be found.\n');
    });

    it('server-inspect prints the trail request by request, with the op logs', async () => {
      const r = await ops.manage('server-inspect', stopped.id);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^${stopped.requestId}\\s.*api -> rapi -> event -> state$`, 'm'),
      );
      expect(r.stdout).toMatch(/\bstate\s+\d+\s+OP_INSTANCE_CREATE\s+success\s+BUILD -> STARTED/);
      expect(r.stdout).toMatch(
        /\bstate\s+\d+\s+OP_INSTANCE_SHUTDOWN\s+success\s+STARTED -> STOPPED/,
      );
      expect(r.stdout).toMatch(/^job \d+: success\s+INSTANCE_CREATE\(nefos-/m);
      const json = JSON.parse(
        (await ops.manage('server-inspect', stopped.id, '--json', '--no-jobs')).stdout,
      );
      expect(json.server.id).toBe(stopped.id);
      expect(json.requests[0]).toMatchObject({
        requestId: stopped.requestId,
        sources: ['api', 'rapi', 'event', 'state'],
      });
      expect(json.jobs).toEqual([]);
      expect(
        (await ops.manage('server-inspect', '00000000-0000-4000-8000-000000000000')).code,
      ).toBe(1);
    });
  });
});
