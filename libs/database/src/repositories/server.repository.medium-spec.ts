import { createTestEnv, type TestEnv } from '../../../../test/support/test-env';
import { insertServer } from '../../../../test/compute/compute-fixtures';
import { PrismaService } from '../prisma.service';
import { seed } from '../seed/seed';
import { SERVER_VIEW_INCLUDE, ServerRepository } from './server.repository';

describe('ServerRepository views', () => {
  let env: TestEnv;
  let prisma: PrismaService;
  let repo: ServerRepository;
  let owner: { projectId: string; userId: string };
  let id: string;

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = new PrismaService(env.config);
    repo = new ServerRepository(prisma);
    const seeded = await seed(prisma, env.config, {
      adminPassword: 'test-admin-password',
      rapiPassword: 'test-rapi-password',
      backendHypervisor: 'fake',
    });
    owner = { projectId: seeded.adminProjectId, userId: seeded.adminUserId };
    id = await insertServer(prisma, owner);
    const net = await prisma.network.findFirstOrThrow({
      where: { isDefault: true },
      include: { subnets: true },
    });
    await prisma.serverMetadata.createMany({
      data: [
        { serverId: id, key: 'role', value: 'web' },
        { serverId: id, key: 'owner', value: 'ops' },
      ],
    });
    // Two NICs created out of NIC order, one with two addresses and one without any.
    await prisma.port.create({
      data: {
        networkId: net.id,
        serverId: id,
        projectId: owner.projectId,
        macAddress: 'aa:00:00:00:10:02',
        nicIndex: 1,
      },
    });
    const first = await prisma.port.create({
      data: {
        networkId: net.id,
        serverId: id,
        projectId: owner.projectId,
        macAddress: 'aa:00:00:00:10:01',
        nicIndex: 0,
        backendUuid: 'nic-uuid',
      },
    });
    await prisma.ipAddress.create({
      data: { subnetId: net.subnets[0].id, address: '10.99.9.2', portId: first.id },
    });
    await prisma.ipAddress.create({
      data: {
        subnetId: net.subnets[0].id,
        address: '10.99.9.3',
        portId: first.id,
        floating: true,
      },
    });
    for (const name of ['data-b', 'data-a']) {
      const volume = await prisma.volume.create({
        data: { name, projectId: owner.projectId, userId: owner.userId, sizeGb: 1 },
      });
      await prisma.volumeAttachment.create({ data: { volumeId: volume.id, serverId: id } });
    }
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await env.cleanup();
  });

  it('loads the same view as the Prisma include (rows, types and order)', async () => {
    const expected = await prisma.server.findUnique({
      where: { id },
      include: SERVER_VIEW_INCLUDE,
    });
    expect(expected!.ports.map((p) => p.nicIndex)).toEqual([0, 1]);
    expect(await repo.findWithView(id)).toEqual(expected);
    expect(await repo.findVisible(id, { ...owner, all: false })).toEqual(expected);
    const viaTx = await prisma.$transaction((tx) => repo.findWithView(id, tx));
    expect(viaTx).toEqual(expected);
    const [port] = viaTx!.ports;
    expect(port.createdAt).toBeInstanceOf(Date);
    expect(port.addresses[0].createdAt).toBeInstanceOf(Date);
  });

  it("finds nothing for another project's caller, a deleted server or a malformed id", async () => {
    expect(await repo.findVisible(id, { projectId: 'someone-else', all: false })).toBeNull();
    expect(await repo.findVisible(id, { projectId: 'someone-else', all: true })).not.toBeNull();
    const gone = await insertServer(prisma, owner, { deleted: true, operstate: 'DESTROYED' });
    expect(await repo.findVisible(gone, { ...owner, all: false })).toBeNull();
    expect(await repo.findVisible('not-a-uuid', { ...owner, all: true })).toBeNull();
    expect(await repo.findWithView('not-a-uuid')).toBeNull();
  });
});
