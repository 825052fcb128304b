import { randomUUID } from 'node:crypto';
import type { NefosConfig } from '../../../libs/contracts/src';
import {
  QuotaStore,
  seed,
  type PrismaClient,
  type PrismaService,
} from '../../../libs/database/src';
import { createTestIdentity, type TestIdentity } from '../../support/identity-fixtures';

export interface ServerFixture {
  id: string;
  instance: string;
  portId: string;
  mac: string;
  ip: string;
  commissionId: string;
}

/** The first-run seed (backend, flavors, public network) and a project to own servers. */
export async function seedWorld(
  prisma: PrismaClient,
  config: NefosConfig,
): Promise<{ identity: TestIdentity; backendId: string; networkId: string; subnetId: string }> {
  await seed(prisma, config, {
    adminPassword: 'test-admin-password',
    rapiPassword: 'test-rapi-password',
    backendHypervisor: 'fake',
  });
  const identity = await createTestIdentity(prisma, { roles: ['member'] });
  await prisma.quota.createMany({
    data: ['instances', 'cores', 'ram', 'disk'].map((resource) => ({
      projectId: identity.projectId,
      resource,
      limit: -1,
    })),
  });
  const backend = await prisma.backend.findUniqueOrThrow({
    where: { name: config.master.clusterName },
  });
  const network = await prisma.network.findFirstOrThrow({
    where: { isDefault: true },
    include: { subnets: true },
  });
  return {
    identity,
    backendId: backend.id,
    networkId: network.id,
    subnetId: network.subnets[0].id,
  };
}

let macCounter = 0;

/**
 * A server as the API leaves it after `POST /servers`: BUILD, task spawning with the create job,
 * one port with a MAC and an address from the public pool, a pending quota commission bound to
 * the job.
 */
export async function createBuildingServer(
  prisma: PrismaClient,
  config: NefosConfig,
  world: Awaited<ReturnType<typeof seedWorld>>,
  jobId: number,
  flavorId = '1',
): Promise<ServerFixture> {
  const id = randomUUID();
  const instance = `${config.compute.instancePrefix}${id}`;
  const n = ++macCounter + Math.floor(Math.random() * 1000) * 1000;
  const mac = `aa:00:00:${((n >> 16) & 255).toString(16).padStart(2, '0')}:${((n >> 8) & 255)
    .toString(16)
    .padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
  const ip = `10.99.${(n >> 8) & 255}.${n & 255 || 1}`;
  const quotas = new QuotaStore(prisma as unknown as PrismaService, config);
  const flavor = await prisma.flavor.findUniqueOrThrow({ where: { id: flavorId } });
  let commissionId = '';
  let portId = '';
  await prisma.$transaction(async (tx) => {
    commissionId = (
      await quotas.reserve(
        tx,
        world.identity.projectId,
        { instances: 1, cores: flavor.vcpus, ram: flavor.ramMb, disk: flavor.diskGb },
        { action: 'create', serverId: id },
      )
    ).commissionId;
    await tx.server.create({
      data: {
        id,
        name: `srv-${jobId}`,
        projectId: world.identity.projectId,
        userId: world.identity.userId,
        flavorId,
        backendId: world.backendId,
        instanceName: instance,
        operstate: 'BUILD',
        task: 'spawning',
        taskJobId: jobId,
        backendJobId: jobId,
        backendJobStatus: 'queued',
        backendOpcode: 'OP_INSTANCE_CREATE',
      },
    });
    const port = await tx.port.create({
      data: {
        networkId: world.networkId,
        serverId: id,
        projectId: world.identity.projectId,
        macAddress: mac,
        nicIndex: 0,
      },
    });
    portId = port.id;
    await tx.ipAddress.create({
      data: { subnetId: world.subnetId, address: ip, portId, projectId: world.identity.projectId },
    });
    await tx.commission.update({ where: { id: commissionId }, data: { backendJobId: jobId } });
  });
  return { id, instance, portId, mac, ip, commissionId };
}
