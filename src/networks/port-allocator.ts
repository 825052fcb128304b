import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, cidrContains, ipToInt } from '@nefos/database';
import { conflict, badRequest } from '../common/errors/domain.error';

type Tx = Prisma.TransactionClient;

export interface AllocatedPort {
  portId: string;
  mac: string;
  ip: string;
  networkId: string;
  networkName: string;
  /** How the master attaches the NIC (`routed` for the public network, as Cyclades does). */
  mode: string;
  link: string | null;
}

interface Pool {
  start: string;
  end: string;
}

const DEFAULT_MAC_PREFIX = 'aa:00:00';

/**
 * Ports and IPv4 addresses on the default public network, allocated inside the transaction that
 * creates the server (until the network service exists). The subnet row is locked so concurrent
 * creates never pick the same address; the unique (subnet, address) index is the last guard.
 */
@Injectable()
export class PortAllocator {
  constructor(private readonly prisma: PrismaService) {}

  /** The network servers get when they ask for none (`Network.isDefault`). */
  defaultNetwork(tx: Tx = this.prisma) {
    return tx.network.findFirst({
      where: { isDefault: true, deleted: false },
      orderBy: { createdAt: 'asc' },
    });
  }

  async allocate(
    tx: Tx,
    req: {
      networkId: string;
      serverId: string;
      projectId: string;
      nicIndex: number;
      fixedIp?: string;
    },
  ): Promise<AllocatedPort> {
    const network = await tx.network.findFirst({ where: { id: req.networkId, deleted: false } });
    if (!network) throw badRequest(`Network ${req.networkId} could not be found.`);
    const subnets = await tx.$queryRaw<
      Array<{ id: string; cidr: string; gatewayIp: string | null; allocationPools: unknown }>
    >`
      SELECT "id", "cidr", "gatewayIp", "allocationPools" FROM "Subnet"
      WHERE "networkId" = ${network.id}::uuid AND "ipVersion" = 4 ORDER BY "createdAt" FOR UPDATE`;
    if (subnets.length === 0) {
      throw conflict(`Network ${network.name} has no IPv4 subnet to allocate an address from.`);
    }
    let address: { subnetId: string; ip: string } | null = null;
    for (const subnet of subnets) {
      if (req.fixedIp !== undefined) {
        if (!cidrContains(subnet.cidr, req.fixedIp)) continue;
        if (req.fixedIp === subnet.gatewayIp) {
          throw conflict(
            `Fixed IP address ${req.fixedIp} is the gateway of network ${network.name}.`,
          );
        }
        const taken = await tx.ipAddress.findFirst({
          where: { subnetId: subnet.id, address: req.fixedIp },
        });
        if (taken) throw conflict(`Fixed IP address ${req.fixedIp} is already in use.`);
        address = { subnetId: subnet.id, ip: req.fixedIp };
        break;
      }
      const ip = await this.firstFree(tx, subnet);
      if (ip) {
        address = { subnetId: subnet.id, ip };
        break;
      }
    }
    if (!address) {
      if (req.fixedIp !== undefined) {
        throw badRequest(`Fixed IP address ${req.fixedIp} is not on network ${network.name}.`);
      }
      throw conflict(`No more IP addresses are available on network ${network.name}.`);
    }
    const mac = await this.uniqueMac(tx, network.macPrefix ?? DEFAULT_MAC_PREFIX);
    const port = await tx.port.create({
      data: {
        networkId: network.id,
        serverId: req.serverId,
        projectId: req.projectId,
        macAddress: mac,
        nicIndex: req.nicIndex,
        status: 'BUILD',
        deviceOwner: 'compute:nova',
      },
    });
    await tx.ipAddress.create({
      data: {
        subnetId: address.subnetId,
        address: address.ip,
        portId: port.id,
        projectId: req.projectId,
      },
    });
    return {
      portId: port.id,
      mac,
      ip: address.ip,
      networkId: network.id,
      networkName: network.name,
      mode: network.mode,
      link: network.link,
    };
  }

  /** Frees the ports and addresses of a server that never reached a backend. */
  async releaseServer(tx: Tx, serverId: string): Promise<void> {
    const ports = await tx.port.findMany({ where: { serverId }, select: { id: true } });
    if (ports.length === 0) return;
    const ids = ports.map((p) => p.id);
    await tx.ipAddress.deleteMany({ where: { portId: { in: ids } } });
    await tx.port.deleteMany({ where: { id: { in: ids } } });
  }

  private async firstFree(
    tx: Tx,
    subnet: { id: string; gatewayIp: string | null; allocationPools: unknown },
  ): Promise<string | null> {
    const pools = (Array.isArray(subnet.allocationPools) ? subnet.allocationPools : []) as Pool[];
    for (const pool of pools) {
      const start = ipToInt(pool.start);
      const end = ipToInt(pool.end);
      const rows = await tx.$queryRaw<Array<{ ip: string }>>`
        SELECT host('0.0.0.0'::inet + n) AS "ip" FROM generate_series(${start}::bigint, ${end}::bigint) AS n
        WHERE host('0.0.0.0'::inet + n) NOT IN (
          SELECT "address" FROM "IpAddress" WHERE "subnetId" = ${subnet.id}::uuid)
          AND host('0.0.0.0'::inet + n) IS DISTINCT FROM ${subnet.gatewayIp}
        ORDER BY n LIMIT 1`;
      if (rows[0]) return rows[0].ip;
    }
    return null;
  }

  private async uniqueMac(tx: Tx, prefix: string): Promise<string> {
    const head = prefix.toLowerCase().split(':').filter(Boolean);
    for (let attempt = 0; attempt < 16; attempt++) {
      const tail = [...randomBytes(6 - head.length)].map((b) => b.toString(16).padStart(2, '0'));
      const mac = [...head, ...tail].join(':');
      const taken = await tx.port.findUnique({ where: { macAddress: mac }, select: { id: true } });
      if (!taken) return mac;
    }
    throw conflict('Could not find a free MAC address; try again.');
  }
}
