import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import type { Port, Subnet } from '../generated/prisma/client';
import { cidrContains } from '../seed/ipv4';

type Tx = Prisma.TransactionClient;

export type PortWithAddresses = Prisma.PortGetPayload<{
  include: { addresses: { include: { subnet: true } } };
}>;

export interface NicFacts {
  index: number;
  mac: string | null;
  ip: string | null;
  /** Backend network uuid or name (Ganeti: `nic.networks`), and its name. */
  network: string | null;
  networkName: string | null;
  uuid: string | null;
}

function isIpv4(s: string): boolean {
  return /^(\d{1,3})(\.\d{1,3}){3}$/.test(s);
}

/**
 * Ports, addresses and volume attachments of one server, as the dispatcher syncs them from the
 * backend. Every method runs in the caller's transaction, after the server row is locked.
 */
@Injectable()
export class ServerResourcesRepository {
  ports(tx: Tx, serverId: string): Promise<PortWithAddresses[]> {
    return tx.port.findMany({
      where: { serverId },
      include: { addresses: { include: { subnet: true } } },
      orderBy: [{ nicIndex: 'asc' }, { createdAt: 'asc' }],
    });
  }

  /**
   * The Nefos network a backend NIC is on: by the backend network's name on this backend, by
   * network id or name, by the subnet holding its address, else (no network named at all) the
   * default public network.
   */
  async networkForNic(tx: Tx, backendId: string | null, nic: NicFacts): Promise<string | null> {
    const keys = [nic.networkName, nic.network].filter((k): k is string => Boolean(k));
    if (backendId && keys.length) {
      const bn = await tx.backendNetwork.findFirst({
        where: { backendId, backendName: { in: keys } },
        select: { networkId: true },
      });
      if (bn) return bn.networkId;
    }
    const uuids = keys.filter((k) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(k),
    );
    if (keys.length) {
      const net = await tx.network.findFirst({
        where: { deleted: false, OR: [{ id: { in: uuids } }, { name: { in: keys } }] },
        select: { id: true },
      });
      if (net) return net.id;
    }
    if (nic.ip && isIpv4(nic.ip)) {
      const subnets = await tx.subnet.findMany({
        where: { ipVersion: 4, network: { deleted: false } },
        select: { networkId: true, cidr: true },
      });
      const hit = subnets.find((sn) => cidrContains(sn.cidr, nic.ip!));
      if (hit) return hit.networkId;
    }
    if (keys.length === 0) {
      const def = await tx.network.findFirst({
        where: { isDefault: true, deleted: false },
        select: { id: true },
      });
      return def?.id ?? null;
    }
    return null;
  }

  async portByMac(tx: Tx, mac: string): Promise<Port | null> {
    return tx.port.findUnique({ where: { macAddress: mac } });
  }

  createPort(
    tx: Tx,
    data: {
      networkId: string;
      serverId: string;
      projectId: string;
      macAddress: string;
      nicIndex: number;
      backendUuid: string | null;
    },
  ): Promise<Port> {
    return tx.port.create({
      data: { ...data, status: 'ACTIVE', deviceOwner: 'compute:nova' },
    });
  }

  updatePort(tx: Tx, id: string, data: Prisma.PortUncheckedUpdateInput): Promise<Port> {
    return tx.port.update({ where: { id }, data });
  }

  setPortsStatus(tx: Tx, serverId: string, status: string): Promise<Prisma.BatchPayload> {
    return tx.port.updateMany({ where: { serverId }, data: { status } });
  }

  /**
   * Gives `address` to the port when it falls in one of the port network's subnets and is not
   * held by another live port; the port's other fixed addresses of that IP version are released.
   * Returns what happened, for the trail.
   */
  async assignAddress(
    tx: Tx,
    port: PortWithAddresses,
    address: string,
  ): Promise<'unchanged' | 'assigned' | 'no-subnet' | 'conflict'> {
    if (port.addresses.some((a) => a.address === address)) return 'unchanged';
    if (!isIpv4(address)) return 'no-subnet';
    const subnets: Subnet[] = await tx.subnet.findMany({
      where: { networkId: port.networkId, ipVersion: 4 },
    });
    const subnet = subnets.find((s) => cidrContains(s.cidr, address));
    if (!subnet) return 'no-subnet';
    const existing = await tx.ipAddress.findUnique({
      where: { subnetId_address: { subnetId: subnet.id, address } },
      include: { port: { select: { serverId: true } } },
    });
    if (existing && existing.portId && existing.portId !== port.id && existing.port?.serverId) {
      return 'conflict';
    }
    for (const a of port.addresses) {
      if (!a.floating && a.subnet.ipVersion === 4) {
        await tx.ipAddress.delete({ where: { id: a.id } });
      }
    }
    if (existing) {
      await tx.ipAddress.update({
        where: { id: existing.id },
        data: { portId: port.id, projectId: port.projectId },
      });
    } else {
      await tx.ipAddress.create({
        data: { subnetId: subnet.id, address, portId: port.id, projectId: port.projectId },
      });
    }
    return 'assigned';
  }

  /** Frees a port: fixed addresses go back to the pool, floating ones are detached. */
  async releasePort(tx: Tx, portId: string): Promise<string[]> {
    const addresses = await tx.ipAddress.findMany({ where: { portId } });
    await tx.ipAddress.deleteMany({ where: { portId, floating: false } });
    await tx.ipAddress.updateMany({ where: { portId, floating: true }, data: { portId: null } });
    await tx.port.delete({ where: { id: portId } });
    return addresses.filter((a) => !a.floating).map((a) => a.address);
  }

  attachments(tx: Tx, serverId: string) {
    return tx.volumeAttachment.findMany({
      where: { serverId },
      include: { volume: true },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** Detaches a volume: it becomes available again, or is deleted with its server. */
  async detachVolume(
    tx: Tx,
    attachmentId: string,
    volumeId: string,
    deleteVolume: boolean,
  ): Promise<void> {
    await tx.volumeAttachment.delete({ where: { id: attachmentId } });
    await tx.volume.update({
      where: { id: volumeId },
      data: deleteVolume ? { status: 'deleted', deleted: true } : { status: 'available' },
    });
  }

  setVolumesStatus(tx: Tx, volumeIds: string[], status: string): Promise<Prisma.BatchPayload> {
    return tx.volume.updateMany({ where: { id: { in: volumeIds } }, data: { status } });
  }
}
