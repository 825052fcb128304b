import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { testPrisma } from '../../../test/support/identity-fixtures';
import { C, caller, fault, seedCompute, type Caller } from '../../../test/compute/compute-fixtures';

const ABSOLUTE_KEYS = [
  'maxImageMeta',
  'maxPersonality',
  'maxPersonalitySize',
  'maxSecurityGroupRules',
  'maxSecurityGroups',
  'maxServerGroupMembers',
  'maxServerGroups',
  'maxServerMeta',
  'maxTotalCores',
  'maxTotalFloatingIps',
  'maxTotalInstances',
  'maxTotalKeypairs',
  'maxTotalRAMSize',
  'totalCoresUsed',
  'totalFloatingIpsUsed',
  'totalInstancesUsed',
  'totalRAMUsed',
  'totalSecurityGroupsUsed',
  'totalServerGroupsUsed',
];

describe('limits, availability zones, extensions', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;
  let admin: Caller;

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_QUOTA_CORES: '7' });
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
    admin = await caller(app, prisma, ['admin']);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  describe('GET /limits', () => {
    it('answers the absolute limits with usage (held counts as used)', async () => {
      await prisma.quotaUsage.createMany({
        data: [
          { projectId: member.projectId, resource: 'cores', inUse: 2, reserved: 1 },
          { projectId: member.projectId, resource: 'instances', inUse: 1, reserved: 1 },
        ],
      });
      await prisma.quota.create({
        data: { projectId: member.projectId, resource: 'ram', limit: -1 },
      });
      const res = await member.get(`${C}/limits`);
      expect(res.status).toBe(200);
      expect(res.body.limits.rate).toEqual([]);
      expect(Object.keys(res.body.limits.absolute).sort()).toEqual(ABSOLUTE_KEYS);
      expect(res.body.limits.absolute).toMatchObject({
        maxTotalCores: 7,
        totalCoresUsed: 3,
        totalInstancesUsed: 2,
        maxTotalInstances: 10,
        maxTotalRAMSize: -1,
        maxServerMeta: 128,
      });
    });

    it("shows another project's limits to admins only", async () => {
      expect(
        (await admin.get(`${C}/limits?tenant_id=${member.projectId}`)).body.limits.absolute
          .totalCoresUsed,
      ).toBe(3);
      const res = await member.get(`${C}/limits?tenant_id=${admin.projectId}`);
      expect(res.status).toBe(403);
      expect(fault(res).name).toBe('forbidden');
    });
  });

  describe('GET /os-availability-zone', () => {
    it('lists the one zone, with hosts only in the admin detail', async () => {
      const list = await member.get(`${C}/os-availability-zone`);
      expect(list.body).toEqual({
        availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }],
      });
      const detail = await member.get(`${C}/os-availability-zone/detail`);
      expect(detail.body.availabilityZoneInfo[0].hosts).toBeNull();
      const backend = await prisma.backend.findFirstOrThrow();
      await prisma.backendNode.create({ data: { backendId: backend.id, name: 'node1' } });
      const adminDetail = await admin.get(`${C}/os-availability-zone/detail`);
      expect(adminDetail.body.availabilityZoneInfo[0].hosts).toEqual({
        node1: {
          'nova-compute': { available: true, active: true, updated_at: expect.any(String) },
        },
      });
    });
  });

  describe('GET /extensions', () => {
    it('lists what is implemented, each with Nova extension keys', async () => {
      const res = await member.get(`${C}/extensions`);
      expect(res.status).toBe(200);
      const aliases = res.body.extensions.map((e: { alias: string }) => e.alias);
      expect(aliases).toEqual(
        expect.arrayContaining(['os-keypairs', 'os-server-start-stop', 'os-availability-zone']),
      );
      for (const e of res.body.extensions) {
        expect(Object.keys(e).sort()).toEqual([
          'alias',
          'description',
          'links',
          'name',
          'namespace',
          'updated',
        ]);
      }
      expect((await member.get(`${C}/extensions/os-keypairs`)).body.extension.alias).toBe(
        'os-keypairs',
      );
      expect((await member.get(`${C}/extensions/os-cells`)).status).toBe(404);
    });
  });
});
