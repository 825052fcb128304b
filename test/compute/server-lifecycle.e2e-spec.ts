import { Client } from 'pg';
import { hashPassword } from '../../libs/contracts/src/crypto';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { startProcess, type RunningProcess } from '../support/processes';

interface Res {
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/**
 * Server actions against the whole stack (master with libvirt's test driver, eventd, dispatcher):
 * the jobs the API submits, the states the events bring back, and the faults users see.
 */
describe('server lifecycle through the running stack', () => {
  let env: TestEnv;
  let stack: RunningProcess;
  let db: Client;
  let base: string;
  let admin: string;
  let member: { token: string; projectId: string };
  let imageId: string;

  async function call(token: string, method: string, path: string, body?: unknown): Promise<Res> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        'X-Auth-Token': token,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
  }

  async function login(user: string, password: string, project: string): Promise<string> {
    const res = await fetch(`${base}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: user, domain: { id: 'default' }, password } },
          },
          scope: { project: { name: project, domain: { id: 'default' } } },
        },
      }),
    });
    if (res.status !== 201) throw new Error(`login ${user}: ${res.status} ${await res.text()}`);
    return res.headers.get('x-subject-token')!;
  }

  /** Waits (as clients poll) until the server shows `status` with no task pending. */
  async function settled(token: string, id: string, status: string, timeoutMs = 120000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const res = await call(token, 'GET', `/compute/v2.1/servers/${id}`);
      const s = res.body.server;
      if (s && s.status === status && s['OS-EXT-STS:task_state'] === null) return s;
      if (Date.now() > until)
        throw new Error(`server ${id}: wanted ${status}, is ${JSON.stringify(s ?? res.body)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async function gone(token: string, id: string, timeoutMs = 120000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ((await call(token, 'GET', `/compute/v2.1/servers/${id}`)).status !== 404) {
      if (Date.now() > until) throw new Error(`server ${id} was not deleted`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  const act = (id: string, body: unknown): Promise<Res> =>
    call(member.token, 'POST', `/compute/v2.1/servers/${id}/action`, body);

  async function boot(
    token: string,
    name: string,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const res = await call(token, 'POST', '/compute/v2.1/servers', {
      server: { name, imageRef: imageId, flavorRef: '1', ...extra },
    });
    expect(res.status).toBe(202);
    return res.body.server.id;
  }

  async function usage(
    projectId: string,
    resource: string,
  ): Promise<{ inUse: number; reserved: number }> {
    const r = await db.query(
      'SELECT "inUse", reserved FROM "QuotaUsage" WHERE "projectId" = $1 AND resource = $2',
      [projectId, resource],
    );
    return r.rows[0] ?? { inUse: 0, reserved: 0 };
  }

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_HYPERVISOR: 'test', NEFOS_LOG_LEVEL: 'warn' });
    base = env.config.api.publicUrl;
    stack = startProcess('dist/stack/main.js', env.env);
    await stack.waitFor(/Nefos is running/, 600000);
    db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await login('admin', env.env.NEFOS_ADMIN_PASSWORD, 'admin');
    // A member of another project, made the way an operator would (rows as the identity API writes them).
    const hex = () => crypto.randomUUID().replace(/-/g, '');
    const projectId = hex();
    const userId = hex();
    await db.query(
      'INSERT INTO "Project" (id, name, "domainId", "updatedAt") VALUES ($1, $2, $3, now())',
      [projectId, 'team', 'default'],
    );
    await db.query(
      'INSERT INTO "User" (id, name, "domainId", "passwordHash", "updatedAt") VALUES ($1, $2, $3, $4, now())',
      [userId, 'alice', 'default', await hashPassword('alice-password')],
    );
    await db.query(
      'INSERT INTO "RoleAssignment" ("userId", "projectId", "roleId") SELECT $1, $2, id FROM "Role" WHERE name = $3',
      [userId, projectId, 'member'],
    );
    member = { token: await login('alice', 'alice-password', 'team'), projectId };
    imageId = (await call(admin, 'GET', '/image/v2/images?name=nefos-tiny')).body.images[0].id;
    // A flavor with the same disk as m1.tiny, so a resize only changes CPU and memory.
    expect(
      (
        await call(admin, 'POST', '/compute/v2.1/flavors', {
          flavor: { name: 't1.wide', id: 't1', vcpus: 2, ram: 1024, disk: 1 },
        })
      ).status,
    ).toBe(200);
  }, 900000);

  // A failed test must not leave servers (and their quota) to the next one.
  afterEach(async () => {
    const list = await call(member.token, 'GET', '/compute/v2.1/servers');
    for (const s of list.body.servers ?? []) {
      await call(member.token, 'DELETE', `/compute/v2.1/servers/${s.id}`);
      await gone(member.token, s.id);
    }
  });

  afterAll(async () => {
    await db?.end();
    await stack?.stop('SIGTERM', 120000);
    await env?.cleanup();
  });

  it('builds a server, records the RAPI job with the request id, and shows it only to its project', async () => {
    const res = await call(member.token, 'POST', '/compute/v2.1/servers', {
      server: { name: 'life', imageRef: imageId, flavorRef: '1' },
    });
    const id = res.body.server.id;
    const s = await settled(member.token, id, 'ACTIVE');
    expect(s['OS-SRV-USG:launched_at']).toMatch(/^\d{4}-/);
    const trail = await db.query(
      'SELECT source, "requestId", "jobId", opcode FROM "ServerTrail" WHERE "serverId" = $1 AND source = $2',
      [id, 'rapi'],
    );
    expect(trail.rows).toEqual([
      {
        source: 'rapi',
        requestId: res.headers.get('x-openstack-request-id'),
        jobId: expect.any(Number),
        opcode: 'OP_INSTANCE_CREATE',
      },
    ]);
    expect(await usage(member.projectId, 'instances')).toEqual({ inUse: 1, reserved: 0 });
    const stranger = await login('admin', env.env.NEFOS_ADMIN_PASSWORD, 'admin');
    expect((await call(stranger, 'GET', `/compute/v2.1/servers?name=life`)).body.servers).toEqual(
      [],
    );
    expect((await call(stranger, 'GET', `/compute/v2.1/servers/${id}`)).status).toBe(200); // admins see all
    await call(member.token, 'DELETE', `/compute/v2.1/servers/${id}`);
    await gone(member.token, id);
  });

  it('refuses to reboot a stopped server (409) and starts it instead', async () => {
    const id = await boot(member.token, 'busy');
    await settled(member.token, id, 'ACTIVE');
    expect((await act(id, { 'os-stop': null })).status).toBe(202);
    await settled(member.token, id, 'SHUTOFF');
    for (const type of ['SOFT', 'HARD']) {
      const refused = await act(id, { reboot: { type } });
      expect(refused.status).toBe(409);
      expect(refused.body.conflictingRequest.message).toContain('vm_state stopped');
    }
    expect((await act(id, { 'os-start': null })).status).toBe(202);
    await settled(member.token, id, 'ACTIVE');
    await call(member.token, 'DELETE', `/compute/v2.1/servers/${id}`);
    await gone(member.token, id);
  });

  it('resizes through VERIFY_RESIZE, confirms, resizes again and reverts, with the quota following', async () => {
    const id = await boot(member.token, 'grow');
    await settled(member.token, id, 'ACTIVE');
    expect(
      (
        await act(id, {
          resize: { flavorRef: 't1' },
        })
      ).status,
    ).toBe(202);
    const verify = await settled(member.token, id, 'VERIFY_RESIZE');
    expect(verify.flavor.id).toBe('t1');
    expect(
      (
        await act(id, {
          confirmResize: null,
        })
      ).status,
    ).toBe(204);
    await settled(member.token, id, 'ACTIVE');
    expect(await usage(member.projectId, 'cores')).toEqual({ inUse: 2, reserved: 0 });
    expect(
      (
        await act(id, {
          resize: { flavorRef: '1' },
        })
      ).status,
    ).toBe(202);
    await settled(member.token, id, 'VERIFY_RESIZE');
    expect(
      (
        await act(id, {
          revertResize: null,
        })
      ).status,
    ).toBe(202);
    const back = await settled(member.token, id, 'ACTIVE');
    expect(back.flavor.id).toBe('t1');
    expect(await usage(member.projectId, 'cores')).toEqual({ inUse: 2, reserved: 0 });
    await call(member.token, 'DELETE', `/compute/v2.1/servers/${id}`);
    await gone(member.token, id);
    expect(await usage(member.projectId, 'cores')).toEqual({ inUse: 0, reserved: 0 });
  });

  it('rebuilds a server with a new password and name', async () => {
    const id = await boot(member.token, 'old-name');
    await settled(member.token, id, 'ACTIVE');
    const res = await act(id, {
      rebuild: {
        imageRef: imageId,
        name: 'new-name',
        adminPass: 'n3w-Password',
        metadata: { v: '2' },
      },
    });
    expect(res.status).toBe(202);
    expect(res.body.server).toMatchObject({
      id,
      name: 'new-name',
      status: 'REBUILD',
      adminPass: 'n3w-Password',
      metadata: { v: '2' },
    });
    await settled(member.token, id, 'ACTIVE');
    const ops = await db.query(
      'SELECT opcode FROM "ServerTrail" WHERE "serverId" = $1 AND source = $2 ORDER BY id',
      [id, 'rapi'],
    );
    expect(ops.rows.map((r) => r.opcode)).toEqual(['OP_INSTANCE_CREATE', 'OP_INSTANCE_REINSTALL']);
    await call(member.token, 'DELETE', `/compute/v2.1/servers/${id}`);
    await gone(member.token, id);
  });

  it('changes the password of a server whose image has a guest agent', async () => {
    const agent = await db.query(
      `INSERT INTO "Image" (id, name, status, visibility, "diskFormat", location, "updatedAt")
       VALUES (gen_random_uuid(), 'with-agent', 'active', 'public', 'raw', 'nefos-tiny', now()) RETURNING id`,
    );
    await db.query(
      `INSERT INTO "ImageProperty" ("imageId", key, value) VALUES ($1, 'hw_qemu_guest_agent', 'yes')`,
      [agent.rows[0].id],
    );
    const id = await boot(member.token, 'agent', { imageRef: agent.rows[0].id });
    await settled(member.token, id, 'ACTIVE');
    const before = await db.query('SELECT "adminPassHash" FROM "Server" WHERE id = $1', [id]);
    expect((await act(id, { changePassword: { adminPass: 'An0ther-pass' } })).status).toBe(202);
    await settled(member.token, id, 'ACTIVE');
    const after = await db.query('SELECT "adminPassHash" FROM "Server" WHERE id = $1', [id]);
    expect(after.rows[0].adminPassHash).not.toBe(before.rows[0].adminPassHash);
    expect(after.rows[0].adminPassHash).not.toContain('An0ther-pass');
    const ops = await db.query(
      'SELECT opcode FROM "ServerTrail" WHERE "serverId" = $1 AND source = $2 ORDER BY id',
      [id, 'rapi'],
    );
    expect(ops.rows.map((r) => r.opcode)).toEqual(['OP_INSTANCE_CREATE', 'OP_INSTANCE_SET_PARAMS']);
    await call(member.token, 'DELETE', `/compute/v2.1/servers/${id}`);
    await gone(member.token, id);
  });

  it('lets DELETE win over a build in progress', async () => {
    const id = await boot(member.token, 'short-lived');
    expect((await call(member.token, 'DELETE', `/compute/v2.1/servers/${id}`)).status).toBe(204);
    await gone(member.token, id);
    const row = await db.query('SELECT deleted, operstate FROM "Server" WHERE id = $1', [id]);
    expect(row.rows[0]).toEqual({ deleted: true, operstate: 'DESTROYED' });
    const ports = await db.query('SELECT count(*)::int AS n FROM "Port" WHERE "serverId" = $1', [
      id,
    ]);
    expect(ports.rows[0].n).toBe(0);
    expect(await usage(member.projectId, 'instances')).toEqual({ inUse: 0, reserved: 0 });
  });

  it('shows the fault when the master cannot build the server, and the ERROR server can be deleted', async () => {
    const broken = await db.query(
      `INSERT INTO "Image" (id, name, status, visibility, "diskFormat", location, "updatedAt")
       VALUES (gen_random_uuid(), 'broken', 'active', 'public', 'raw', 'no-such-entry', now()) RETURNING id`,
    );
    const res = await call(member.token, 'POST', '/compute/v2.1/servers', {
      server: { name: 'doomed', imageRef: broken.rows[0].id, flavorRef: '1' },
    });
    const id = res.body.server.id;
    const s = await settled(member.token, id, 'ERROR');
    expect(s.fault.message).toContain('no-such-entry');
    expect((await call(member.token, 'DELETE', `/compute/v2.1/servers/${id}`)).status).toBe(204);
    await gone(member.token, id);
    expect(await usage(member.projectId, 'instances')).toEqual({ inUse: 0, reserved: 0 });
  });
});
