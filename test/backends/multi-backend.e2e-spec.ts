import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RAPI_PASSWORD, startMaster, type MasterHandle } from '../master/master-harness';
import { eventually } from '../events/support/queues';
import { startPipeline, type Pipeline } from '../events/support/pipeline';
import { runManage } from '../support/manage-cli';
import { createTestIdentity } from '../support/identity-fixtures';
import { freePort } from '../support/net';
import { startProcess, type RunningProcess } from '../support/processes';

const ZONE_B = 'zone-b';

/**
 * Two clusters at once: the pipeline's embedded master (`nefos-local`, with its eventd) and a
 * second master registered as `zone-b` with `nefos-manage backend-add`, pinned to the test
 * project, with its own eventd (NEFOS_EVENTD_CLUSTER=zone-b) and hooks installed by
 * `hooks-install --dir --cluster`. One dispatcher and one API serve both.
 */
describe('servers on two backends', () => {
  let p: Pipeline;
  let b: MasterHandle;
  let eventdB: RunningProcess;
  const ids: string[] = [];
  const manage = (...args: string[]) => runManage(p.env.env, ...args);

  async function status(id: string, token = p.identity.token): Promise<string> {
    const res = await fetch(
      `http://127.0.0.1:${p.env.config.api.port}/compute/v2.1/servers/${id}`,
      {
        headers: { 'X-Auth-Token': token },
      },
    );
    if (res.status === 404) return 'DELETED';
    const body = (await res.json()) as { server?: { status: string } };
    return body.server?.status ?? `HTTP ${res.status}`;
  }
  async function waitStatus(id: string, want: string, token?: string): Promise<void> {
    try {
      await eventually(
        `${id} ${want}`,
        async () => (await status(id, token)) === want,
        120_000,
        300,
      );
    } catch (err) {
      throw new Error(
        `${(err as Error).message}; now ${await status(id)}\n${p.logs()}\n${eventdB.output()}`,
      );
    }
  }
  async function backendOf(id: string): Promise<string | null> {
    const row = await p.prisma.server.findUniqueOrThrow({
      where: { id },
      select: { backend: { select: { name: true } } },
    });
    return row.backend?.name ?? null;
  }
  const create = async (name: string, token?: string): Promise<string> => {
    const image = await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
    const res = await fetch(`http://127.0.0.1:${p.env.config.api.port}/compute/v2.1/servers`, {
      method: 'POST',
      headers: { 'X-Auth-Token': token ?? p.identity.token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ server: { name, flavorRef: 'e2e-nano', imageRef: image.id } }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { server: { id: string } }).server.id;
  };

  beforeAll(async () => {
    p = await startPipeline({ NEFOS_ALLOCATOR_CAPACITY_MAX_AGE: '1' });
    b = await startMaster({ NEFOS_CLUSTER_NAME: ZONE_B, NEFOS_WATCH_INTERVAL: '2' });
    const hooks = await manage(
      'hooks-install',
      '--dir',
      join(b.dataDir, 'master', 'hooks'),
      '--cluster',
      ZONE_B,
      '--json',
    );
    expect(hooks.code).toBe(0);
    expect(JSON.parse(hooks.stdout)[0]).toMatchObject({ cluster: ZONE_B });
    eventdB = startProcess('dist/eventd/main.js', {
      REDIS_URL: p.env.redisUrl,
      NEFOS_REDIS_PREFIX: p.env.redisPrefix,
      NEFOS_DATA_DIR: b.dataDir,
      NEFOS_EVENTD_CLUSTER: ZONE_B,
      NEFOS_EVENTD_RAPI_URL: `https://127.0.0.1:${b.port}`,
      NEFOS_RAPI_PASSWORD: RAPI_PASSWORD,
      NEFOS_EVENTD_METRICS_PORT: String(await freePort()),
      NEFOS_LOG_FORMAT: 'json',
      NEFOS_LOG_LEVEL: 'info',
    });
    await eventdB.waitFor(/eventd started/, 60_000);
    const pw = join(b.dataDir, 'rapi-password');
    writeFileSync(pw, `${RAPI_PASSWORD}\n`, { mode: 0o600 });
    const added = await manage(
      'backend-add',
      ZONE_B,
      '--url',
      `https://127.0.0.1:${b.port}`,
      '--password-file',
      pw,
      '--hypervisor',
      'fake',
      '--project',
      p.identity.projectId,
      '--json',
    );
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({
      name: ZONE_B,
      access: `projects ${p.identity.projectId}`,
      capacity: '1 nodes read',
    });
  }, 300_000);

  afterAll(async () => {
    await eventdB?.stop('SIGTERM');
    await b?.stop();
    await p?.close();
  });

  it('spreads a burst over both backends and builds each through its own eventd', async () => {
    for (let i = 0; i < 6; i++) ids.push(await create(`two-${i}`));
    for (const id of ids) await waitStatus(id, 'ACTIVE');
    const where = await Promise.all(ids.map(backendOf));
    const count = (n: string) => where.filter((w) => w === n).length;
    expect(count('nefos-local') + count(ZONE_B)).toBe(6);
    expect(count(ZONE_B)).toBeGreaterThanOrEqual(2);
    expect(count('nefos-local')).toBeGreaterThanOrEqual(2);
    // Each instance exists on its own backend only.
    const onB = (await b.call<Array<{ id: string }>>('GET', '/2/instances')).body.map((i) => i.id);
    for (const [i, id] of ids.entries()) {
      expect(onB.includes(`nefos-${id}`)).toBe(where[i] === ZONE_B);
    }
  });

  it('passes the end-to-end heartbeat of each backend through its own eventd', async () => {
    for (const name of ['nefos-local', ZONE_B]) {
      const r = await manage('status-check', '--backend', name, '--json');
      expect({ name, code: r.code, stderr: r.stderr }).toEqual({ name, code: 0, stderr: '' });
      expect(JSON.parse(r.stdout)[0]).toMatchObject({ cluster: name, ok: true });
    }
  });

  it('reboots and deletes a server on the second backend', async () => {
    const id = ids[(await Promise.all(ids.map(backendOf))).indexOf(ZONE_B)];
    expect(
      (await p.api('POST', `/servers/${id}/action`, { reboot: { type: 'HARD' } })).status,
    ).toBe(202);
    await waitStatus(id, 'ACTIVE');
    expect((await p.api('DELETE', `/servers/${id}`)).status).toBe(204);
    await waitStatus(id, 'DELETED');
    ids.splice(ids.indexOf(id), 1);
  });

  it('keeps another project off the pinned backend', async () => {
    const other = await createTestIdentity(p.prisma, { roles: ['member'] });
    const id = await create('other', other.token);
    await waitStatus(id, 'ACTIVE', other.token);
    expect(await backendOf(id)).toBe('nefos-local');
  });

  it('answers 503 on the servers of an offline backend and calls nothing, then works again', async () => {
    const id = ids[(await Promise.all(ids.map(backendOf))).indexOf(ZONE_B)];
    expect((await manage('backend-modify', ZONE_B, '--offline', 'yes')).code).toBe(0);
    const jobsBefore = (await b.call<unknown[]>('GET', '/2/jobs')).body.length;
    const reboot = await p.api<{ serviceUnavailable: { message: string } }>(
      'POST',
      `/servers/${id}/action`,
      { reboot: { type: 'SOFT' } },
    );
    expect(reboot.status).toBe(503);
    expect(reboot.body.serviceUnavailable.message).toMatch(/backend zone-b is offline/);
    expect((await p.api('DELETE', `/servers/${id}`)).status).toBe(503);
    expect((await b.call<unknown[]>('GET', '/2/jobs')).body.length).toBe(jobsBefore);
    // New servers of the project go to the other backend meanwhile.
    const elsewhere = await create('while-offline');
    ids.push(elsewhere);
    expect(await backendOf(elsewhere)).toBe('nefos-local');
    expect((await manage('backend-modify', ZONE_B, '--offline', 'no')).code).toBe(0);
    expect((await p.api('POST', `/servers/${id}/action`, { 'os-stop': null })).status).toBe(202);
    await waitStatus(id, 'SHUTOFF');
  });

  it('refuses to remove a backend while servers live on it, removes it once they are gone', async () => {
    const refused = await manage('backend-remove', ZONE_B);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Backend zone-b still holds \d+ server/);
    const where = await Promise.all(ids.map(backendOf));
    const onB = ids.filter((_, i) => where[i] === ZONE_B);
    for (const id of onB) expect((await p.api('DELETE', `/servers/${id}`)).status).toBe(204);
    for (const id of onB) await waitStatus(id, 'DELETED');
    const removed = await manage('backend-remove', ZONE_B);
    expect(removed.code).toBe(0);
    const list = JSON.parse((await manage('backend-list', '--cached', '--json')).stdout) as Array<{
      name: string;
    }>;
    expect(list.map((x) => x.name)).toEqual(['nefos-local']);
  });
});
