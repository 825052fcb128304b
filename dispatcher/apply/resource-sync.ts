import { Inject, Injectable } from '@nestjs/common';
import { NEFOS_LOGGER, type Logger, type NicInfo, type OpEvent } from '@nefos/contracts';
import {
  Prisma,
  ServerEventRepository,
  ServerResourcesRepository,
  type NicFacts,
  type Server,
} from '@nefos/database';

type Tx = Prisma.TransactionClient;

function toFacts(nic: NicInfo, i: number): NicFacts {
  return {
    index: nic.index ?? i,
    mac: nic.mac ? nic.mac.toLowerCase() : null,
    ip: nic.ip ?? null,
    network: nic.network ?? null,
    networkName: nic.networkName ?? null,
    uuid: nic.uuid ?? null,
  };
}

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return null;
}

/**
 * Copies what the backend reports about an instance into Nefos's rows: NICs into `Port` and
 * `IpAddress`, disks into volume attachments, beparams into `Server.flavorId`, the node into
 * `hostNode`. The backend is the truth; what cannot be matched is logged in the trail.
 */
@Injectable()
export class ResourceSync {
  constructor(
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
    private readonly servers: ServerEventRepository,
    private readonly resources: ServerResourcesRepository,
  ) {}

  async syncFromMessage(
    tx: Tx,
    server: Server,
    msg: Pick<OpEvent, 'nics' | 'disks' | 'beparams' | 'pnode'>,
  ): Promise<{ server: Prisma.ServerUncheckedUpdateInput; notes: string[] }> {
    const out: Prisma.ServerUncheckedUpdateInput = {};
    const notes: string[] = [];
    if (msg.nics) notes.push(...(await this.syncNics(tx, server, msg.nics)));
    if (msg.disks) notes.push(...(await this.syncDisks(tx, server.id, msg.disks.length)));
    if (msg.beparams) {
      const flavorId = await this.flavorFor(tx, server, msg.beparams);
      if (flavorId && flavorId !== server.flavorId) {
        out.flavorId = flavorId;
        notes.push(`flavor ${server.flavorId} -> ${flavorId}`);
      } else if (flavorId === null) {
        notes.push(`no flavor matches beparams ${JSON.stringify(msg.beparams)}`);
      }
    }
    if (msg.pnode && msg.pnode !== server.hostNode) out.hostNode = msg.pnode;
    return { server: out, notes };
  }

  /** Ports follow the backend's NICs: matched by MAC, backend uuid, then index. */
  async syncNics(tx: Tx, server: Server, nics: NicInfo[]): Promise<string[]> {
    const notes: string[] = [];
    const ports = await this.resources.ports(tx, server.id);
    const matched = new Set<string>();
    const facts = nics.map(toFacts);
    const pick = (pred: (p: (typeof ports)[number]) => boolean) =>
      ports.find((p) => !matched.has(p.id) && pred(p));
    for (const nic of facts) {
      const port =
        (nic.mac ? pick((p) => p.macAddress.toLowerCase() === nic.mac) : undefined) ??
        (nic.uuid ? pick((p) => p.backendUuid === nic.uuid) : undefined) ??
        pick((p) => p.nicIndex === nic.index);
      if (port) {
        matched.add(port.id);
        const data: Prisma.PortUncheckedUpdateInput = {};
        if (port.nicIndex !== nic.index) data.nicIndex = nic.index;
        if (nic.uuid && port.backendUuid !== nic.uuid) data.backendUuid = nic.uuid;
        if (port.status !== 'ACTIVE') data.status = 'ACTIVE';
        if (nic.mac && port.macAddress.toLowerCase() !== nic.mac) {
          const other = await this.resources.portByMac(tx, nic.mac);
          if (!other) data.macAddress = nic.mac;
          else notes.push(`nic ${nic.index}: mac ${nic.mac} belongs to another port`);
        }
        if (Object.keys(data).length) await this.resources.updatePort(tx, port.id, data);
        if (nic.ip) {
          const r = await this.resources.assignAddress(tx, port, nic.ip);
          if (r !== 'unchanged') notes.push(`nic ${nic.index}: ip ${nic.ip} ${r}`);
        }
        continue;
      }
      if (!nic.mac) {
        notes.push(`nic ${nic.index}: no mac reported, not recorded`);
        continue;
      }
      if (await this.resources.portByMac(tx, nic.mac)) {
        notes.push(`nic ${nic.index}: mac ${nic.mac} belongs to another port`);
        continue;
      }
      const networkId = await this.resources.networkForNic(tx, server.backendId, nic);
      if (!networkId) {
        notes.push(`nic ${nic.index}: network ${nic.networkName ?? nic.network} unknown`);
        continue;
      }
      const created = await this.resources.createPort(tx, {
        networkId,
        serverId: server.id,
        projectId: server.projectId,
        macAddress: nic.mac,
        nicIndex: nic.index,
        backendUuid: nic.uuid,
      });
      notes.push(`nic ${nic.index}: port ${created.id} created`);
      if (nic.ip) {
        const fresh = (await this.resources.ports(tx, server.id)).find((p) => p.id === created.id)!;
        const r = await this.resources.assignAddress(tx, fresh, nic.ip);
        notes.push(`nic ${nic.index}: ip ${nic.ip} ${r}`);
      }
    }
    for (const p of ports) {
      if (matched.has(p.id)) continue;
      const freed = await this.resources.releasePort(tx, p.id);
      notes.push(
        `port ${p.id} gone from the backend; released ${freed.join(', ') || 'no address'}`,
      );
    }
    return notes;
  }

  /** Attachments follow the disks: one past the last disk is detached. */
  private async syncDisks(tx: Tx, serverId: string, diskCount: number): Promise<string[]> {
    const notes: string[] = [];
    const attachments = await this.resources.attachments(tx, serverId);
    const present: string[] = [];
    for (const a of attachments) {
      if (a.diskIndex !== null && a.diskIndex >= diskCount) {
        await this.resources.detachVolume(tx, a.id, a.volumeId, false);
        notes.push(`volume ${a.volumeId} no longer attached`);
      } else if (a.diskIndex !== null && a.volume.status !== 'in-use') {
        present.push(a.volumeId);
      }
    }
    if (present.length) await this.resources.setVolumesStatus(tx, present, 'in-use');
    return notes;
  }

  /** The flavor for reported beparams: the current one if it fits, else the best match. */
  private async flavorFor(
    tx: Tx,
    server: Server,
    beparams: Record<string, unknown>,
  ): Promise<string | null | undefined> {
    const vcpus = num(beparams.vcpus);
    const ram = num(beparams.maxmem ?? beparams.memory);
    if (vcpus === null || ram === null) return undefined; // nothing to compare
    const current = await this.servers.flavor(tx, server.flavorId);
    if (current && current.vcpus === vcpus && current.ramMb === ram) return current.id;
    if (server.oldFlavorId) {
      const old = await this.servers.flavor(tx, server.oldFlavorId);
      if (old && old.vcpus === vcpus && old.ramMb === ram) return old.id;
    }
    const candidates = await this.servers.flavorsMatching(tx, vcpus, ram, current?.diskGb ?? null);
    return candidates[0]?.id ?? null;
  }

  /** A failed build: its ports and volumes are in error too. */
  async markError(tx: Tx, serverId: string): Promise<void> {
    await this.resources.setPortsStatus(tx, serverId, 'ERROR');
    const attachments = await this.resources.attachments(tx, serverId);
    if (attachments.length) {
      await this.resources.setVolumesStatus(
        tx,
        attachments.map((a) => a.volumeId),
        'error',
      );
    }
  }

  /** Deletion: addresses back to the pool, ports removed, volumes detached or deleted. */
  async releaseAll(tx: Tx, serverId: string): Promise<string[]> {
    const notes: string[] = [];
    for (const p of await this.resources.ports(tx, serverId)) {
      const freed = await this.resources.releasePort(tx, p.id);
      notes.push(`released port ${p.id}${freed.length ? ` (${freed.join(', ')})` : ''}`);
    }
    for (const a of await this.resources.attachments(tx, serverId)) {
      await this.resources.detachVolume(tx, a.id, a.volumeId, a.deleteOnTermination);
      notes.push(`${a.deleteOnTermination ? 'deleted' : 'detached'} volume ${a.volumeId}`);
    }
    this.log.debug({ serverId, notes }, 'released server resources');
    return notes;
  }
}
