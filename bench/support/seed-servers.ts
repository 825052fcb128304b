import type { PrismaClient } from '@nefos/database';

/**
 * Writes `count` ACTIVE servers of one project straight into the database, each with one port
 * and IPv4 address on the public network and two metadata items, as the create path and the
 * dispatcher would have left them. Creation times are one second apart, newest first in lists.
 */
export async function seedServers(
  prisma: PrismaClient,
  opts: { projectId: string; userId: string; count: number },
): Promise<void> {
  const image = await prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
  const backend = await prisma.backend.findFirstOrThrow();
  const network = await prisma.network.findFirstOrThrow({ where: { isDefault: true } });
  const subnet = await prisma.subnet.findFirstOrThrow({ where: { networkId: network.id } });
  const [a, b] = subnet.cidr.split('.').map(Number);
  await prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(
        `CREATE TEMP TABLE bench_ids ON COMMIT DROP AS
         SELECT g, gen_random_uuid() AS id, gen_random_uuid() AS port FROM generate_series(1, $1::int) g`,
        opts.count,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO "Server" ("id", "name", "projectId", "userId", "flavorId", "imageId",
           "backendId", "instanceName", "hostNode", "operstate", "buildProgress", "backendJobId",
           "backendJobStatus", "backendOpcode", "createdAt", "updatedAt", "launchedAt")
         SELECT id, 'bench-' || g, $1, $2, '1', $3::uuid, $4::uuid, 'nefos-' || id, 'node1',
           'STARTED', 100, g, 'success', 'OP_INSTANCE_CREATE',
           now() - make_interval(secs => g), now() - make_interval(secs => g),
           now() - make_interval(secs => g)
         FROM bench_ids`,
        opts.projectId,
        opts.userId,
        image.id,
        backend.id,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO "Port" ("id", "networkId", "serverId", "projectId", "name", "macAddress",
           "nicIndex", "status", "createdAt", "updatedAt")
         SELECT port, $1::uuid, id, $2, 'eth0',
           'aa:01:' || lpad(to_hex((g >> 16) & 255), 2, '0') || ':' ||
             lpad(to_hex((g >> 8) & 255), 2, '0') || ':' || lpad(to_hex(g & 255), 2, '0') || ':00',
           0, 'ACTIVE', now(), now()
         FROM bench_ids`,
        network.id,
        opts.projectId,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO "IpAddress" ("id", "subnetId", "address", "portId", "projectId")
         SELECT gen_random_uuid(), $1::uuid, $2 || '.' || ((g + 2) / 256) || '.' || ((g + 2) % 256),
           port, $3
         FROM bench_ids`,
        subnet.id,
        `${a}.${b}`,
        opts.projectId,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO "ServerMetadata" ("serverId", "key", "value")
         SELECT id, k, k || '-' || g FROM bench_ids, unnest(ARRAY['role', 'owner']) k`,
      );
    },
    { timeout: 120000 },
  );
  await prisma.$executeRawUnsafe('ANALYZE');
}
