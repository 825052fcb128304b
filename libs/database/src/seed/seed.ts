import { randomUUID } from 'node:crypto';
import { hashPassword, type NefosConfig } from '@nefos/contracts';
import type { PrismaClient } from '../generated/prisma/client';
import { firstHost, lastHost } from './ipv4';

export const DEFAULT_DOMAIN_ID = 'default';
export const ROLE_NAMES = ['admin', 'member', 'reader'] as const;
export const SEED_FLAVORS = [
  { id: '1', name: 'm1.tiny', vcpus: 1, ramMb: 512, diskGb: 1 },
  { id: '2', name: 'm1.small', vcpus: 1, ramMb: 2048, diskGb: 20 },
  { id: '3', name: 'm1.medium', vcpus: 2, ramMb: 4096, diskGb: 40 },
  { id: '4', name: 'm1.large', vcpus: 4, ramMb: 8192, diskGb: 80 },
] as const;
/** The small bootable image built on the machine (master/image): id in the image store. */
export const SEED_IMAGE_NAME = 'nefos-tiny';

export interface SeedInput {
  adminPassword: string;
  rapiPassword: string;
  /** Hypervisor the embedded master runs (`kvm` on a real host, `qemu` for TCG, `fake` for libvirt's test driver). */
  backendHypervisor: string;
}

export interface SeedResult {
  firstRun: boolean;
  adminUserId: string;
  adminProjectId: string;
}

const hex32 = (): string => randomUUID().replace(/-/g, '');

/**
 * Idempotent: the first run creates the admin account, roles, flavors, image, the embedded backend
 * and the public network; later runs keep what operators changed and refresh only the backend's
 * address and credentials (which follow the settings).
 */
export async function seed(
  prisma: PrismaClient,
  config: NefosConfig,
  input: SeedInput,
): Promise<SeedResult> {
  const firstRun = (await prisma.systemState.findUnique({ where: { key: 'seeded' } })) === null;

  await prisma.domain.upsert({
    where: { id: DEFAULT_DOMAIN_ID },
    create: { id: DEFAULT_DOMAIN_ID, name: 'Default', description: 'The default domain' },
    update: {},
  });
  const roles: Record<string, string> = {};
  for (const name of ROLE_NAMES) {
    const role = await prisma.role.upsert({
      where: { name },
      create: { id: hex32(), name },
      update: {},
    });
    roles[name] = role.id;
  }
  const project =
    (await prisma.project.findUnique({
      where: { domainId_name: { domainId: DEFAULT_DOMAIN_ID, name: 'admin' } },
    })) ??
    (await prisma.project.create({
      data: {
        id: hex32(),
        name: 'admin',
        domainId: DEFAULT_DOMAIN_ID,
        description: 'Administrators',
      },
    }));
  let admin = await prisma.user.findUnique({
    where: { domainId_name: { domainId: DEFAULT_DOMAIN_ID, name: 'admin' } },
  });
  if (!admin) {
    admin = await prisma.user.create({
      data: {
        id: hex32(),
        name: 'admin',
        domainId: DEFAULT_DOMAIN_ID,
        passwordHash: await hashPassword(input.adminPassword),
        defaultProjectId: project.id,
      },
    });
  }
  await prisma.roleAssignment.upsert({
    where: {
      userId_projectId_roleId: { userId: admin.id, projectId: project.id, roleId: roles.admin },
    },
    create: { userId: admin.id, projectId: project.id, roleId: roles.admin },
    update: {},
  });

  if (firstRun) {
    for (const f of SEED_FLAVORS) {
      await prisma.flavor.upsert({ where: { id: f.id }, create: { ...f }, update: {} });
    }
    const existingImage = await prisma.image.findFirst({
      where: { name: SEED_IMAGE_NAME, deletedAt: null },
    });
    if (!existingImage) {
      await prisma.image.create({
        data: {
          name: SEED_IMAGE_NAME,
          status: 'active',
          visibility: 'public',
          diskFormat: 'raw',
          containerFormat: 'bare',
          location: SEED_IMAGE_NAME,
          osFamily: 'linux',
          minDiskGb: 1,
          minRamMb: 64,
          properties: {
            create: [
              { key: 'os_distro', value: 'busybox' },
              {
                key: 'description',
                value: 'Debian cloud kernel with a busybox initramfs (built on this machine)',
              },
            ],
          },
        },
      });
    }
    await seedPublicNetwork(prisma, config);
  }

  const rapiUrl = `https://127.0.0.1:${config.rapi.port}`;
  await prisma.backend.upsert({
    where: { name: config.master.clusterName },
    create: {
      name: config.master.clusterName,
      rapiUrl,
      rapiUser: config.rapi.user,
      rapiPassword: input.rapiPassword,
      hypervisor: input.backendHypervisor,
    },
    update: {
      rapiUrl,
      rapiUser: config.rapi.user,
      rapiPassword: input.rapiPassword,
      hypervisor: input.backendHypervisor,
    },
  });

  await prisma.systemState.upsert({
    where: { key: 'seeded' },
    create: { key: 'seeded', value: { at: new Date().toISOString() } },
    update: {},
  });
  return { firstRun, adminUserId: admin.id, adminProjectId: project.id };
}

async function seedPublicNetwork(prisma: PrismaClient, config: NefosConfig): Promise<void> {
  if (await prisma.network.findFirst({ where: { isDefault: true, deleted: false } })) return;
  const cidr = config.compute.publicNetworkCidr;
  const gateway = config.compute.publicNetworkGateway ?? firstHost(cidr);
  const start = firstHost(cidr, gateway === firstHost(cidr) ? 1 : 0);
  await prisma.network.create({
    data: {
      name: 'public',
      shared: true,
      external: true,
      isDefault: true,
      flavor: 'IP_LESS_ROUTED',
      mode: 'routed',
      status: 'ACTIVE',
      subnets: {
        create: {
          name: 'public-v4',
          ipVersion: 4,
          cidr,
          gatewayIp: gateway,
          dnsNameservers: [],
          allocationPools: [{ start, end: lastHost(cidr) }],
        },
      },
    },
  });
}
