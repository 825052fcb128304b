import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { testPrisma } from '../../../test/support/identity-fixtures';
import {
  C,
  caller,
  fault,
  insertServer,
  seedCompute,
  seededImageId,
  type Caller,
} from '../../../test/compute/compute-fixtures';

/** DESIGN §7: every v2.1 server key; `progress` (ACTIVE/BUILD) and `fault` (ERROR) come on top. */
const BASE_KEYS = [
  'OS-DCF:diskConfig',
  'OS-EXT-AZ:availability_zone',
  'OS-EXT-STS:power_state',
  'OS-EXT-STS:task_state',
  'OS-EXT-STS:vm_state',
  'OS-SRV-USG:launched_at',
  'OS-SRV-USG:terminated_at',
  'accessIPv4',
  'accessIPv6',
  'addresses',
  'config_drive',
  'created',
  'flavor',
  'hostId',
  'id',
  'image',
  'key_name',
  'links',
  'metadata',
  'name',
  'os-extended-volumes:volumes_attached',
  'security_groups',
  'status',
  'tenant_id',
  'updated',
  'user_id',
];
const ADMIN_KEYS = [
  'OS-EXT-SRV-ATTR:host',
  'OS-EXT-SRV-ATTR:hypervisor_hostname',
  'OS-EXT-SRV-ATTR:instance_name',
];
const sorted = (keys: string[]): string[] => [...keys].sort();

describe('servers', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;
  let other: Caller;
  let admin: Caller;
  let imageId: string;
  // The seeded image's id is known only once the tests run: a getter reads it when the body is sent.
  const boot = (extra: Record<string, unknown> = {}) => {
    const server: Record<string, unknown> = { name: 'web', flavorRef: '1', ...extra };
    if (!('imageRef' in extra)) {
      Object.defineProperty(server, 'imageRef', { get: () => imageId, enumerable: true });
    }
    return { server };
  };

  beforeAll(async () => {
    // Nothing listens on the RAPI port: the backend does not answer.
    env = await createTestEnv({ NEFOS_RAPI_TIMEOUT_MS: '1000', NEFOS_RAPI_RETRIES: '0' });
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
    other = await caller(app, prisma, ['member']);
    admin = await caller(app, prisma, ['admin']);
    imageId = await seededImageId(prisma);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  describe('POST /servers', () => {
    let created: string;

    it('answers 202 with Location and the create keys, and records the intention', async () => {
      const res = await member.post(
        `${C}/servers`,
        boot({ metadata: { role: 'web' }, adminPass: 'S3cret-pass' }),
      );
      expect(res.status).toBe(202);
      expect(sorted(Object.keys(res.body.server))).toEqual(
        sorted(['id', 'links', 'adminPass', 'OS-DCF:diskConfig', 'security_groups']),
      );
      created = res.body.server.id;
      expect(res.headers.location).toBe(
        `${env.config.api.publicUrl}/compute/v2.1/servers/${created}`,
      );
      expect(res.body.server.adminPass).toBe('S3cret-pass');
      const row = await prisma.server.findUniqueOrThrow({ where: { id: created } });
      expect(row.adminPassHash).not.toContain('S3cret-pass');
      expect(row.instanceName).toBe(`nefos-${created}`);
      const trail = await prisma.serverTrail.findMany({
        where: { serverId: created },
        orderBy: { id: 'asc' },
      });
      expect(trail[0]).toMatchObject({
        source: 'api',
        requestId: res.headers['x-openstack-request-id'],
      });
    });

    it('turns the server into ERROR with a fault the user can act on when the backend does not answer', async () => {
      const res = await member.get(`${C}/servers/${created}`);
      expect(res.status).toBe(200);
      const s = res.body.server;
      expect(s.status).toBe('ERROR');
      expect(sorted(Object.keys(s))).toEqual(sorted([...BASE_KEYS, 'fault']));
      expect(s.fault.code).toBe(503);
      expect(s.fault.message).toMatch(/did not answer.*delete this server and try again/);
      expect(s.metadata).toEqual({ role: 'web' });
      expect(s.addresses.public).toEqual([
        expect.objectContaining({
          version: 4,
          'OS-EXT-IPS:type': 'fixed',
          addr: expect.stringMatching(/^10\.99\./),
        }),
      ]);
      expect(s['OS-EXT-STS:vm_state']).toBe('error');
      const usage = await prisma.quotaUsage.findMany({ where: { projectId: member.projectId } });
      // Nothing was built: the held quota is released, as when a backend create job fails.
      expect(usage.find((u) => u.resource === 'instances')).toMatchObject({
        inUse: 0,
        reserved: 0,
      });
      const commissions = await prisma.commission.findMany({ where: { serverId: created } });
      expect(commissions.map((c) => c.status)).toEqual(['REJECTED']);
    });

    it('gives every server its own address', async () => {
      const a = await member.post(`${C}/servers`, boot({ name: 'a' }));
      const b = await member.post(`${C}/servers`, boot({ name: 'b' }));
      const ips = await prisma.ipAddress.findMany({
        where: { port: { serverId: { in: [a.body.server.id, b.body.server.id] } } },
      });
      expect(new Set(ips.map((i) => i.address)).size).toBe(2);
    });

    it.each([
      [boot({ name: 'x'.repeat(256) }), 400, 'server.name'],
      [boot({ name: 42 }), 400, 'server.name'],
      [{ server: { imageRef: 'x', flavorRef: '1' } }, 400, 'server.name'],
      [boot({ flavorRef: { id: 1 } }), 400, 'server.flavorRef'],
      [boot({ flavorRef: '999' }), 400, 'Flavor 999 could not be found'],
      [boot({ imageRef: '00000000-0000-0000-0000-000000000000' }), 400, 'could not be found'],
      [boot({ colour: 'blue' }), 400, "'colour'"],
      [{ ...boot(), extra: 1 }, 400, "'extra'"],
      [boot({ metadata: { k: 'v'.repeat(256) } }), 400, 'server.metadata.k'],
      [boot({ metadata: { ['k'.repeat(256)]: 'v' } }), 400, 'server.metadata'],
      [boot({ metadata: 'x' }), 400, 'server.metadata'],
      [boot({ key_name: 'nope' }), 400, 'Invalid key_name provided.'],
      [boot({ availability_zone: 'mars' }), 400, 'availability zone'],
      [boot({ accessIPv4: '300.1.1.1' }), 400, 'server.accessIPv4'],
      [boot({ accessIPv6: 'zz::' }), 400, 'server.accessIPv6'],
      [
        boot({ networks: [{ uuid: '11111111-2222-3333-4444-555555555555' }] }),
        400,
        'Network 11111111',
      ],
      [boot({ personality: [{ path: '/etc/motd', contents: 'aGk=' }] }), 400, 'server.personality'],
      [boot({ block_device_mapping_v2: [{}] }), 400, 'Booting from volume'],
      [boot({ min_count: 3, max_count: 2 }), 400, 'min_count'],
      [boot({ min_count: 0 }), 400, 'server.min_count'],
      [boot({ 'OS-DCF:diskConfig': 'FAST' }), 400, 'server.OS-DCF:diskConfig'],
      [{ ...boot(), 'os:scheduler_hints': { group: 'x' } }, 400, 'Scheduler hints'],
      [boot({ security_groups: [{ name: 'web' }] }), 400, 'security_group'],
    ])('refuses %j with %i naming the problem', async (body, status, words) => {
      const res = await member.post(`${C}/servers`, body);
      expect(res.status).toBe(status);
      expect(fault(res).message).toContain(words);
    });

    it('refuses malformed JSON and a missing body with 400', async () => {
      const bad = await member
        .post(`${C}/servers`)
        .set('Content-Type', 'application/json')
        .send('{"server": {');
      expect(bad.status).toBe(400);
      expect(fault(bad).name).toBe('badRequest');
      expect((await member.post(`${C}/servers`)).status).toBe(400);
    });

    it('refuses more metadata items than the quota allows with 403', async () => {
      const q = await caller(app, prisma, ['member']);
      await prisma.quota.create({
        data: { projectId: q.projectId, resource: 'metadata_items', limit: 1 },
      });
      const res = await q.post(`${C}/servers`, boot({ metadata: { a: '1', b: '2' } }));
      expect(res.status).toBe(403);
      expect(fault(res).message).toContain('metadata');
    });

    it('refuses a create over the instances quota with 403 and writes nothing', async () => {
      const q = await caller(app, prisma, ['member']);
      await prisma.quota.create({
        data: { projectId: q.projectId, resource: 'instances', limit: 0 },
      });
      const res = await q.post(`${C}/servers`, boot());
      expect(res.status).toBe(403);
      expect(fault(res)).toMatchObject({
        name: 'forbidden',
        message: expect.stringContaining('Quota exceeded for instances'),
      });
      expect(await prisma.server.count({ where: { projectId: q.projectId } })).toBe(0);
    });

    it('creates as many of max_count as the quota allows, named name-N', async () => {
      const q = await caller(app, prisma, ['member']);
      await prisma.quota.create({
        data: { projectId: q.projectId, resource: 'instances', limit: 2 },
      });
      const res = await q.post(`${C}/servers`, boot({ name: 'many', min_count: 1, max_count: 5 }));
      expect(res.status).toBe(202);
      const rows = await prisma.server.findMany({
        where: { projectId: q.projectId },
        orderBy: { name: 'asc' },
      });
      expect(rows.map((r) => r.name)).toEqual(['many-1', 'many-2']);
    });

    it('is refused to readers with 403', async () => {
      const reader = await caller(app, prisma, ['reader']);
      expect((await reader.post(`${C}/servers`, boot())).status).toBe(403);
    });
  });

  describe('GET /servers/{id}', () => {
    it('shows exactly the v2.1 keys, with progress while ACTIVE or BUILD and no fault', async () => {
      const id = await insertServer(prisma, member, { operstate: 'STARTED' });
      const res = await member.get(`${C}/servers/${id}`);
      expect(sorted(Object.keys(res.body.server))).toEqual(sorted([...BASE_KEYS, 'progress']));
      expect(res.body.server).toMatchObject({
        status: 'ACTIVE',
        'OS-EXT-STS:vm_state': 'active',
        'OS-EXT-STS:power_state': 1,
        'OS-EXT-STS:task_state': null,
        hostId: expect.stringMatching(/^[0-9a-f]{56}$/),
        image: { id: imageId },
        flavor: { id: '1' },
      });
      const stopped = await insertServer(prisma, member, { operstate: 'STOPPED' });
      const s = (await member.get(`${C}/servers/${stopped}`)).body.server;
      expect(sorted(Object.keys(s))).toEqual(sorted(BASE_KEYS));
      expect(s).toMatchObject({ status: 'SHUTOFF', 'OS-EXT-STS:power_state': 4 });
    });

    it('adds the admin-only attributes for admins', async () => {
      const id = await insertServer(prisma, member, { operstate: 'STOPPED', hostNode: 'node7' });
      const res = await admin.get(`${C}/servers/${id}`);
      expect(res.status).toBe(200);
      expect(sorted(Object.keys(res.body.server))).toEqual(sorted([...BASE_KEYS, ...ADMIN_KEYS]));
      expect(res.body.server).toMatchObject({
        'OS-EXT-SRV-ATTR:host': 'node7',
        'OS-EXT-SRV-ATTR:instance_name': `nefos-${id}`,
      });
    });

    it.each(['another project', 'a missing server', 'garbage'])(
      'answers 404 itemNotFound for %s',
      async (what) => {
        const id =
          what === 'another project'
            ? await insertServer(prisma, other)
            : what === 'a missing server'
              ? '00000000-0000-4000-8000-000000000000'
              : 'not-a-uuid';
        const res = await member.get(`${C}/servers/${id}`);
        expect(res.status).toBe(404);
        expect(fault(res)).toEqual({
          name: 'itemNotFound',
          code: 404,
          message: `Instance ${id} could not be found.`,
        });
      },
    );

    it('shows task states as OpenStack statuses', async () => {
      const id = await insertServer(prisma, member, {
        operstate: 'STARTED',
        task: 'rebooting_hard',
      });
      const s = (await member.get(`${C}/servers/${id}`)).body.server;
      expect(s).toMatchObject({ status: 'HARD_REBOOT', 'OS-EXT-STS:task_state': 'rebooting_hard' });
      const r = await insertServer(prisma, member, {
        operstate: 'STARTED',
        resizePending: true,
        oldFlavorId: '2',
      });
      expect((await member.get(`${C}/servers/${r}`)).body.server.status).toBe('VERIFY_RESIZE');
    });
  });

  describe('PUT /servers/{id}', () => {
    it('renames a server and answers the full server', async () => {
      const id = await insertServer(prisma, member);
      const res = await member.put(`${C}/servers/${id}`, {
        server: { name: 'renamed', accessIPv4: '192.0.2.1' },
      });
      expect(res.status).toBe(200);
      expect(res.body.server).toMatchObject({ id, name: 'renamed', accessIPv4: '192.0.2.1' });
    });

    it('refuses bad bodies with 400 and foreign servers with 404', async () => {
      const id = await insertServer(prisma, member);
      expect(
        fault(await member.put(`${C}/servers/${id}`, { server: { name: '' } })).message,
      ).toContain('server.name');
      expect(
        fault(await member.put(`${C}/servers/${id}`, { server: { flavor: '2' } })).message,
      ).toContain("'flavor'");
      expect((await other.put(`${C}/servers/${id}`, { server: { name: 'mine' } })).status).toBe(
        404,
      );
    });
  });

  describe('DELETE /servers/{id}', () => {
    it('finishes a server that never reached a backend at once and gives its quota and address back', async () => {
      const q = await caller(app, prisma, ['member']);
      const res = await q.post(`${C}/servers`, boot({ name: 'doomed' }));
      const id = res.body.server.id;
      const ip = await prisma.ipAddress.findFirstOrThrow({ where: { port: { serverId: id } } });
      expect((await q.del(`${C}/servers/${id}`)).status).toBe(204);
      expect((await q.get(`${C}/servers/${id}`)).status).toBe(404);
      const row = await prisma.server.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({ deleted: true, operstate: 'DESTROYED' });
      expect(await prisma.ipAddress.findUnique({ where: { id: ip.id } })).toBeNull();
      const usage = await prisma.quotaUsage.findMany({ where: { projectId: q.projectId } });
      expect(usage.find((u) => u.resource === 'instances')).toMatchObject({
        inUse: 0,
        reserved: 0,
      });
      expect(usage.find((u) => u.resource === 'ram')).toMatchObject({ inUse: 0, reserved: 0 });
      expect((await q.del(`${C}/servers/${id}`)).status).toBe(404);
    });

    it("answers 404 for another project's server and leaves it alone", async () => {
      const id = await insertServer(prisma, other);
      expect((await member.del(`${C}/servers/${id}`)).status).toBe(404);
      expect((await prisma.server.findUniqueOrThrow({ where: { id } })).deleted).toBe(false);
    });

    it('answers 503 and changes nothing when the backend of a built server does not answer', async () => {
      const id = await insertServer(prisma, member, { operstate: 'STARTED' });
      const res = await member.del(`${C}/servers/${id}`);
      expect(res.status).toBe(503);
      expect(fault(res).name).toBe('serviceUnavailable');
      expect(await prisma.server.findUniqueOrThrow({ where: { id } })).toMatchObject({
        deleted: false,
        task: null,
      });
    });
  });
});
