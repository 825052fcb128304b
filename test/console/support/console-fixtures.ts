import { randomUUID } from 'node:crypto';
import { generateOpaqueToken, hashToken } from '../../../libs/contracts/src/crypto';
import type { PrismaClient } from '../../../libs/database/src';
import type { TestIdentity } from '../../support/identity-fixtures';

/** A server row as the dispatcher leaves it once the guest runs (only the columns consoles read). */
export async function createServerRow(
  prisma: PrismaClient,
  owner: TestIdentity,
  operstate: 'STARTED' | 'STOPPED' | 'BUILD' = 'STARTED',
): Promise<string> {
  const flavor = await prisma.flavor.upsert({
    where: { id: 'console-test' },
    create: { id: 'console-test', name: 'console.test', vcpus: 1, ramMb: 64, diskGb: 1 },
    update: {},
  });
  const id = randomUUID();
  await prisma.server.create({
    data: {
      id,
      name: `console-${id.slice(0, 8)}`,
      projectId: owner.projectId,
      userId: owner.userId,
      flavorId: flavor.id,
      instanceName: `nefos-${id}`,
      operstate,
    },
  });
  return id;
}

/** A console token written as the API writes it (hash only); `ttlSeconds` may be negative. */
export async function mintConsoleToken(
  prisma: PrismaClient,
  t: { serverId: string; owner: TestIdentity; host: string; port: number; ttlSeconds?: number },
): Promise<string> {
  const token = generateOpaqueToken();
  await prisma.consoleToken.create({
    data: {
      hash: hashToken(token),
      serverId: t.serverId,
      userId: t.owner.userId,
      projectId: t.owner.projectId,
      host: t.host,
      port: t.port,
      kind: 'novnc',
      requestId: `req-${randomUUID()}`,
      expiresAt: new Date(Date.now() + (t.ttlSeconds ?? 30) * 1000),
    },
  });
  return token;
}

export function wsUrl(port: number, token: string, scheme = 'ws'): string {
  return `${scheme}://127.0.0.1:${port}/websockify?token=${encodeURIComponent(token)}`;
}
