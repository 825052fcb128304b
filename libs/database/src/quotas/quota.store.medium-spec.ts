import { randomUUID } from 'node:crypto';
import { createTestEnv, type TestEnv } from '../../../../test/support/test-env';
import { ensureIdentityBase } from '../../../../test/support/identity-fixtures';
import { DEFAULT_DOMAIN_ID } from '../seed/seed';
import { PrismaService } from '../prisma.service';
import { QuotaStore } from './quota.store';
import { InvalidQuotaError, QuotaExceededError } from './quota.errors';

const hex32 = (): string => randomUUID().replace(/-/g, '');
const LONG_TX = { maxWait: 60000, timeout: 60000 };

describe('QuotaStore', () => {
  let env: TestEnv;
  let prisma: PrismaService;
  let store: QuotaStore;

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_QUOTA_INSTANCES: '10', NEFOS_QUOTA_CORES: '20' });
    prisma = new PrismaService(env.config);
    store = new QuotaStore(prisma, env.config);
    await ensureIdentityBase(prisma);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await env.cleanup();
  });

  async function newProject(): Promise<string> {
    const id = hex32();
    await prisma.project.create({
      data: { id, name: `q-${id.slice(0, 8)}`, domainId: DEFAULT_DOMAIN_ID },
    });
    return id;
  }

  describe('reserve', () => {
    it('lets exactly 10 of 50 concurrent reservations through a quota of 10, and usage returns after the failures', async () => {
      const projectId = await newProject();
      const before = await store.usage(projectId);
      expect(before.instances).toEqual({ limit: 10, inUse: 0, reserved: 0 });

      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          prisma.$transaction(
            (tx) =>
              store.reserve(tx, projectId, { instances: 1, cores: 1 }, { action: `create-${i}` }),
            LONG_TX,
          ),
        ),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected');
      expect(ok).toHaveLength(10);
      expect(refused).toHaveLength(40);
      for (const r of refused) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(QuotaExceededError);
        expect((r as PromiseRejectedResult).reason.message).toBe(
          'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances',
        );
      }
      const held = await store.usage(projectId);
      expect(held.instances).toEqual({ limit: 10, inUse: 0, reserved: 10 });
      expect(held.cores).toEqual({ limit: 20, inUse: 0, reserved: 10 });
      expect(await prisma.commission.count({ where: { projectId } })).toBe(10);

      // The backend jobs fail: every reservation is released.
      for (const r of ok) {
        const { commissionId } = (r as PromiseFulfilledResult<{ commissionId: string }>).value;
        await prisma.$transaction((tx) => store.reject(tx, commissionId));
      }
      expect(await store.usage(projectId)).toEqual(before);
    });

    it('changes nothing when the transaction that reserved fails afterwards', async () => {
      const projectId = await newProject();
      await expect(
        prisma.$transaction(async (tx) => {
          await store.reserve(tx, projectId, { instances: 1, ram: 512 }, { action: 'create' });
          throw new Error('the server row could not be written');
        }),
      ).rejects.toThrow('the server row could not be written');
      const usage = await store.usage(projectId);
      expect(usage.instances).toMatchObject({ inUse: 0, reserved: 0 });
      expect(usage.ram).toMatchObject({ inUse: 0, reserved: 0 });
      expect(await prisma.commission.count({ where: { projectId } })).toBe(0);
    });

    it('names the resource, the limit and the usage when a request does not fit', async () => {
      const projectId = await newProject();
      await prisma.$transaction((tx) => store.charge(tx, projectId, { cores: 19 }));
      const err = await prisma
        .$transaction((tx) => store.reserve(tx, projectId, { cores: 2 }, { action: 'create' }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuotaExceededError);
      expect(err).toMatchObject({
        resource: 'cores',
        limit: 20,
        inUse: 19,
        reserved: 0,
        requested: 2,
      });
      expect((err as Error).message).toBe(
        'Quota exceeded for cores: Requested 2, but already used 19 of 20 cores',
      );
    });

    it('refuses unknown resources and fractional changes', async () => {
      const projectId = await newProject();
      await expect(
        prisma.$transaction((tx) =>
          store.reserve(tx, projectId, { gpus: 1 } as never, { action: 'create' }),
        ),
      ).rejects.toBeInstanceOf(InvalidQuotaError);
      await expect(
        prisma.$transaction((tx) => store.reserve(tx, projectId, { ram: 0.5 }, { action: 'x' })),
      ).rejects.toBeInstanceOf(InvalidQuotaError);
    });
  });

  describe('accept and reject', () => {
    it('moves a reservation into use once, however often it is accepted', async () => {
      const projectId = await newProject();
      const serverId = randomUUID();
      const { commissionId } = await prisma.$transaction((tx) =>
        store.reserve(
          tx,
          projectId,
          { instances: 1, cores: 2, ram: 2048, disk: 20 },
          {
            action: 'create',
            serverId,
          },
        ),
      );
      await store.bindJob(commissionId, 42);
      expect(await store.pending({ serverId })).toMatchObject([
        { id: commissionId, backendJobId: 42, action: 'create' },
      ]);
      expect(await prisma.$transaction((tx) => store.accept(tx, commissionId))).toBe('ACCEPTED');
      expect(await prisma.$transaction((tx) => store.accept(tx, commissionId))).toBe('ACCEPTED');
      expect(await prisma.$transaction((tx) => store.reject(tx, commissionId))).toBe('ACCEPTED');
      const usage = await store.usage(projectId);
      expect(usage.instances).toMatchObject({ inUse: 1, reserved: 0 });
      expect(usage.cores).toMatchObject({ inUse: 2, reserved: 0 });
      expect(usage.ram).toMatchObject({ inUse: 2048, reserved: 0 });
      expect(usage.disk).toMatchObject({ inUse: 20, reserved: 0 });
      expect(await store.pending({ projectId })).toEqual([]);
    });

    it('releases a reservation once, however often it is rejected', async () => {
      const projectId = await newProject();
      await prisma.$transaction((tx) => store.charge(tx, projectId, { instances: 3 }));
      const { commissionId } = await prisma.$transaction((tx) =>
        store.reserve(tx, projectId, { instances: 2 }, { action: 'create' }),
      );
      expect(await prisma.$transaction((tx) => store.reject(tx, commissionId))).toBe('REJECTED');
      expect(await prisma.$transaction((tx) => store.reject(tx, commissionId))).toBe('REJECTED');
      expect(await prisma.$transaction((tx) => store.accept(tx, commissionId))).toBe('REJECTED');
      expect((await store.usage(projectId)).instances).toMatchObject({ inUse: 3, reserved: 0 });
    });

    it('holds a release until the delete is confirmed, and gives nothing back when it fails', async () => {
      const projectId = await newProject();
      await prisma.$transaction((tx) => store.charge(tx, projectId, { instances: 2, cores: 4 }));
      const failed = await prisma.$transaction((tx) =>
        store.reserve(tx, projectId, { instances: -1, cores: -2 }, { action: 'delete' }),
      );
      expect((await store.usage(projectId)).instances).toMatchObject({ inUse: 2, reserved: 0 });
      await prisma.$transaction((tx) => store.reject(tx, failed.commissionId));
      expect((await store.usage(projectId)).instances).toMatchObject({ inUse: 2, reserved: 0 });

      const done = await prisma.$transaction((tx) =>
        store.reserve(tx, projectId, { instances: -1, cores: -2 }, { action: 'delete' }),
      );
      await prisma.$transaction((tx) => store.accept(tx, done.commissionId));
      const usage = await store.usage(projectId);
      expect(usage.instances).toMatchObject({ inUse: 1, reserved: 0 });
      expect(usage.cores).toMatchObject({ inUse: 2, reserved: 0 });
    });

    it('answers MISSING for a commission that does not exist', async () => {
      expect(await prisma.$transaction((tx) => store.accept(tx, randomUUID()))).toBe('MISSING');
      expect(await prisma.$transaction((tx) => store.reject(tx, 'not-a-uuid'))).toBe('MISSING');
    });
  });

  describe('charge', () => {
    it('applies at once, checks positive changes and never counts below zero', async () => {
      const projectId = await newProject();
      await store.setLimits(projectId, { key_pairs: 2 });
      await prisma.$transaction((tx) => store.charge(tx, projectId, { key_pairs: 2 }));
      await expect(
        prisma.$transaction((tx) => store.charge(tx, projectId, { key_pairs: 1 })),
      ).rejects.toThrow(
        'Quota exceeded for key_pairs: Requested 1, but already used 2 of 2 key pairs',
      );
      await prisma.$transaction((tx) => store.charge(tx, projectId, { key_pairs: -5 }));
      expect((await store.usage(projectId)).key_pairs).toEqual({ limit: 2, inUse: 0, reserved: 0 });
    });
  });

  describe('limits', () => {
    it('uses the configured defaults, then the project overrides; -1 is unlimited', async () => {
      const projectId = await newProject();
      expect(await store.limits(projectId)).toEqual(store.defaults());
      expect(store.defaults()).toMatchObject({ instances: 10, cores: 20, ram: 51200 });
      await store.setLimits(projectId, { instances: -1, ram: 1024 });
      expect(await store.limits(projectId)).toMatchObject({ instances: -1, ram: 1024, cores: 20 });
      await prisma.$transaction((tx) =>
        store.reserve(tx, projectId, { instances: 500 }, { action: 'bulk' }),
      );
      await store.resetLimits(projectId);
      expect(await store.limits(projectId)).toEqual(store.defaults());
    });

    it('refuses a limit below usage unless forced', async () => {
      const projectId = await newProject();
      await prisma.$transaction((tx) => store.charge(tx, projectId, { instances: 3 }));
      await expect(store.setLimits(projectId, { instances: 2 })).rejects.toThrow(
        'Quota limit 2 for instances must be greater than or equal to already used and reserved 3.',
      );
      await expect(store.setLimits(projectId, { instances: -2 })).rejects.toBeInstanceOf(
        InvalidQuotaError,
      );
      await store.setLimits(projectId, { instances: 2 }, { force: true });
      expect((await store.usage(projectId)).instances).toEqual({ limit: 2, inUse: 3, reserved: 0 });
    });

    it('keeps extra (uncounted) limits apart from the counted ones', async () => {
      const projectId = await newProject();
      await store.setExtraLimits(projectId, { injected_files: 3 });
      expect(await store.extraLimits(projectId)).toEqual({ injected_files: 3 });
      expect(await store.limits(projectId)).toEqual(store.defaults());
      await store.resetExtraLimits(projectId);
      expect(await store.extraLimits(projectId)).toEqual({});
    });
  });
});
