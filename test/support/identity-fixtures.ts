import { randomUUID } from 'node:crypto';
import { generateOpaqueToken, hashToken } from '../../libs/contracts/src/crypto';
import { createPrismaClient, DEFAULT_DOMAIN_ID, type PrismaClient } from '../../libs/database/src';

export type RoleName = 'admin' | 'member' | 'reader';

export interface TestIdentity {
  userId: string;
  userName: string;
  projectId: string;
  projectName: string;
  /** A valid X-Auth-Token for this user scoped to this project. */
  token: string;
}

const hex32 = (): string => randomUUID().replace(/-/g, '');

/** Makes the Default domain and the three roles exist (the seed does this on a real stack). */
export async function ensureIdentityBase(prisma: PrismaClient): Promise<void> {
  await prisma.domain.upsert({
    where: { id: DEFAULT_DOMAIN_ID },
    create: { id: DEFAULT_DOMAIN_ID, name: 'Default' },
    update: {},
  });
  for (const name of ['admin', 'member', 'reader']) {
    await prisma.role.upsert({ where: { name }, create: { id: hex32(), name }, update: {} });
  }
}

/**
 * A project with one user holding `roles` on it, and a token for that user, written straight to
 * the database (as the token API would store it: only the SHA-256 of the token).
 */
export async function createTestIdentity(
  prisma: PrismaClient,
  opts: { roles?: RoleName[]; projectName?: string; userName?: string; ttlSeconds?: number } = {},
): Promise<TestIdentity> {
  await ensureIdentityBase(prisma);
  const projectName = opts.projectName ?? `project-${hex32().slice(0, 8)}`;
  const userName = opts.userName ?? `user-${hex32().slice(0, 8)}`;
  const project =
    (await prisma.project.findUnique({
      where: { domainId_name: { domainId: DEFAULT_DOMAIN_ID, name: projectName } },
    })) ??
    (await prisma.project.create({
      data: { id: hex32(), name: projectName, domainId: DEFAULT_DOMAIN_ID },
    }));
  const user = await prisma.user.create({
    data: {
      id: hex32(),
      name: userName,
      domainId: DEFAULT_DOMAIN_ID,
      passwordHash: 'scrypt$invalid',
      defaultProjectId: project.id,
    },
  });
  for (const role of opts.roles ?? ['member']) {
    const r = await prisma.role.findUniqueOrThrow({ where: { name: role } });
    await prisma.roleAssignment.create({
      data: { userId: user.id, projectId: project.id, roleId: r.id },
    });
  }
  const token = generateOpaqueToken();
  await prisma.token.create({
    data: {
      hash: hashToken(token),
      userId: user.id,
      projectId: project.id,
      methods: ['password'],
      auditId: generateOpaqueToken().slice(0, 22),
      expiresAt: new Date(Date.now() + (opts.ttlSeconds ?? 3600) * 1000),
    },
  });
  return { userId: user.id, userName, projectId: project.id, projectName, token };
}

export function testPrisma(databaseUrl: string): PrismaClient {
  return createPrismaClient(databaseUrl, 4);
}
