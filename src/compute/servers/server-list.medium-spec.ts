import type { NestExpressApplication } from '@nestjs/platform-express';
import { viewServerState } from '@nefos/contracts';
import { PrismaService, ServerRepository, type PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { testPrisma } from '../../../test/support/identity-fixtures';
import {
  C,
  caller,
  fault,
  insertServer,
  seedCompute,
  type Caller,
} from '../../../test/compute/compute-fixtures';

describe('GET /servers and /servers/detail', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;
  let other: Caller;
  let admin: Caller;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
    other = await caller(app, prisma, ['member']);
    admin = await caller(app, prisma, ['admin']);
    const t0 = Date.now() - 60_000;
    const at = (i: number): Date => new Date(t0 + i * 1000);
    ids.web1 = await insertServer(prisma, member, {
      name: 'web-1',
      operstate: 'STARTED',
      createdAt: at(1),
    });
    ids.web2 = await insertServer(prisma, member, {
      name: 'web-2',
      operstate: 'STOPPED',
      createdAt: at(2),
    });
    ids.db = await insertServer(prisma, member, {
      name: 'db',
      operstate: 'STARTED',
      flavorId: '2',
      createdAt: at(3),
    });
    ids.gone = await insertServer(prisma, member, {
      name: 'gone',
      operstate: 'DESTROYED',
      deleted: true,
      createdAt: at(4),
    });
    ids.foreign = await insertServer(prisma, other, { name: 'web-foreign', createdAt: at(5) });
    const net = await prisma.network.findFirstOrThrow({
      where: { isDefault: true },
      include: { subnets: true },
    });
    const port = await prisma.port.create({
      data: {
        networkId: net.id,
        serverId: ids.db,
        projectId: member.projectId,
        macAddress: 'aa:00:00:00:00:01',
      },
    });
    await prisma.ipAddress.create({
      data: { subnetId: net.subnets[0].id, address: '10.99.7.7', portId: port.id },
    });
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  const names = (body: { servers: Array<{ name: string }> }): string[] =>
    body.servers.map((s) => s.name);

  it("lists the project's live servers newest first as {id, name, links}", async () => {
    const res = await member.get(`${C}/servers`);
    expect(res.status).toBe(200);
    expect(names(res.body)).toEqual(['db', 'web-2', 'web-1']);
    expect(Object.keys(res.body.servers[0]).sort()).toEqual(['id', 'links', 'name']);
    expect(res.body.servers_links).toBeUndefined();
  });

  it('answers full servers at /detail', async () => {
    const res = await member.get(`${C}/servers/detail`);
    expect(res.body.servers[0]).toMatchObject({
      name: 'db',
      status: 'ACTIVE',
      tenant_id: member.projectId,
    });
  });

  it.each([
    ['name=^web', ['web-2', 'web-1']],
    ['name=^db$', ['db']],
    ['name=nomatch', []],
    ['status=SHUTOFF', ['web-2']],
    ['status=active', ['db', 'web-1']],
    ['status=BOGUS', []],
    ['flavor=2', ['db']],
    ['ip=10\\.99\\.7\\.', ['db']],
  ])('filters by %s', async (q, expected) => {
    const res = await member.get(`${C}/servers?${q}`);
    expect(res.status).toBe(200);
    expect(names(res.body)).toEqual(expected);
  });

  it('filters by image id or image link', async () => {
    const image = await prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
    const res = await member.get(
      `${C}/servers?image=${encodeURIComponent(`http://x/images/${image.id}`)}`,
    );
    expect(names(res.body)).toEqual(['db', 'web-2', 'web-1']);
  });

  it('shows deleted servers only with changes-since', async () => {
    const since = new Date(Date.now() - 3600_000).toISOString();
    const res = await member.get(`${C}/servers/detail?changes-since=${since}`);
    expect(names(res.body)).toContain('gone');
    expect(res.body.servers.find((s: { name: string }) => s.name === 'gone').status).toBe(
      'DELETED',
    );
  });

  it('pages with limit and marker and a servers_links next link', async () => {
    const first = await member.get(`${C}/servers?limit=2&name=.`);
    expect(names(first.body)).toEqual(['db', 'web-2']);
    expect(first.body.servers_links).toEqual([
      {
        rel: 'next',
        href: `${env.config.api.publicUrl}/compute/v2.1/servers?name=.&limit=2&marker=${ids.web2}`,
      },
    ]);
    const second = await member.get(`${C}/servers?limit=2&name=.&marker=${ids.web2}`);
    expect(names(second.body)).toEqual(['web-1']);
    expect(second.body.servers_links).toBeUndefined();
  });

  it.each([
    ['limit=-3', 'limit'],
    ['limit=ten', 'limit'],
    ['marker=00000000-0000-4000-8000-000000000000', 'marker'],
    ['name=(', 'name'],
    ['changes-since=yesterday', 'changes-since'],
    ['all_tenants=perhaps', 'all_tenants'],
  ])('refuses %s with 400', async (q, word) => {
    const res = await member.get(`${C}/servers?${q}`);
    expect(res.status).toBe(400);
    expect(fault(res).message).toContain(word);
  });

  it("refuses a marker from another project's server", async () => {
    expect((await member.get(`${C}/servers?marker=${ids.foreign}`)).status).toBe(400);
  });

  it('clamps limit to 1000', async () => {
    expect((await member.get(`${C}/servers?limit=5000`)).status).toBe(200);
  });

  it('lists every project for admins with all_tenants, and refuses it to members', async () => {
    const res = await admin.get(`${C}/servers?all_tenants=1&name=web`);
    expect(names(res.body)).toEqual(['web-foreign', 'web-2', 'web-1']);
    const one = await admin.get(`${C}/servers?all_tenants=1&tenant_id=${other.projectId}`);
    expect(names(one.body)).toEqual(['web-foreign']);
    expect((await member.get(`${C}/servers?all_tenants=1`)).status).toBe(403);
    expect(names((await admin.get(`${C}/servers`)).body)).toEqual([]);
  });

  it('keeps the SQL status in step with viewServerState for every state combination', async () => {
    const repo = new ServerRepository(new PrismaService(env.config));
    const tasks = [
      null,
      'spawning',
      'rebooting',
      'rebooting_hard',
      'powering-off',
      'resize_prep',
      'resize_reverting',
      'rebuilding',
      'updating_password',
      'deleting',
    ];
    for (const operstate of ['BUILD', 'STARTED', 'STOPPED', 'ERROR', 'DESTROYED'] as const) {
      for (const task of tasks) {
        for (const deleted of [false, true]) {
          for (const resizePending of [false, true]) {
            const row = { operstate, task, deleted, resizePending };
            expect([row, await repo.statusOf(row)]).toEqual([row, viewServerState(row).status]);
          }
        }
      }
    }
  });
});
