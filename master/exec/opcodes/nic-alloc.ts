import { randomBytes, randomUUID } from 'node:crypto';
import { OpPrereqError } from '../../common/ganeti-errors';
import type {
  ClusterConfigData,
  NetworkConfig,
  NicConfig,
  NicMode,
} from '../../cluster/cluster-config.types';
import { DEFAULT_GROUP } from '../../cluster/cluster-config.store';

export interface NicRequest {
  mac?: string;
  ip?: string | null;
  mode?: string;
  link?: string;
  network?: string | null;
  name?: string | null;
  vlan?: string;
}

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** Addresses and MACs handed to creates that have not committed yet. */
const pendingIps = new Set<string>();
const pendingMacs = new Set<string>();

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
export function isIpv4(ip: string): boolean {
  const parts = ip.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}
export function cidrRange(cidr: string): { first: number; last: number; size: number } {
  const [addr, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const first = Math.floor(ipToInt(addr) / size) * size;
  return { first, last: first + size - 1, size };
}

export function findNetwork(c: Readonly<ClusterConfigData>, ref: string): NetworkConfig {
  const net = c.networks[ref] ?? Object.values(c.networks).find((n) => n.uuid === ref);
  if (!net) throw new OpPrereqError(`Network '${ref}' not found`, 'unknown_entity');
  return net;
}

/** Every address of a network held by an instance, an external reservation or a pending create. */
export function usedIps(c: Readonly<ClusterConfigData>, net: NetworkConfig): Set<string> {
  const used = new Set(net.external_reservations);
  for (const inst of Object.values(c.instances)) {
    for (const nic of inst.nics) if (nic.network === net.uuid && nic.ip) used.add(nic.ip);
  }
  for (const ip of pendingIps) used.add(ip);
  return used;
}

function usedMacs(c: Readonly<ClusterConfigData>): Set<string> {
  const used = new Set(pendingMacs);
  for (const inst of Object.values(c.instances)) for (const n of inst.nics) used.add(n.mac);
  return used;
}

/**
 * Turns NIC requests into NIC configs as Ganeti does: a network supplies mode and link (from its
 * connection to the group) and its pool for `ip: "pool"`; MACs are generated with the network's or
 * the cluster's prefix. Addresses and MACs stay reserved until `release` or the commit.
 */
export function allocateNics(
  c: Readonly<ClusterConfigData>,
  requests: NicRequest[],
): { nics: NicConfig[]; release: () => void } {
  const takenIps: string[] = [];
  const takenMacs: string[] = [];
  const release = (): void => {
    for (const ip of takenIps) pendingIps.delete(ip);
    for (const m of takenMacs) pendingMacs.delete(m);
  };
  try {
    const nics = requests.map((req, index) => {
      const netRef = req.network && req.network.toLowerCase() !== 'none' ? req.network : null;
      const net = netRef ? findNetwork(c, netRef) : null;
      let mode = (req.mode as NicMode | undefined) ?? undefined;
      let link = req.link ?? undefined;
      if (net) {
        const conn = c.groups[DEFAULT_GROUP]?.networks[net.uuid];
        if (!conn) {
          throw new OpPrereqError(
            `Network '${net.name}' is not connected to node group '${DEFAULT_GROUP}'`,
            'wrong_state',
          );
        }
        if ((mode && mode !== conn.mode) || (link !== undefined && link !== conn.link)) {
          throw new OpPrereqError(
            `NIC/${index}: network '${net.name}' is connected as ${conn.mode}/${conn.link}; mode or link must not differ`,
            'wrong_input',
          );
        }
        mode = conn.mode;
        link = conn.link;
      }
      mode ??= (c.cluster.nicparams.mode as NicMode | undefined) ?? 'routed';
      link ??= String(c.cluster.nicparams.link ?? '');
      if (mode === 'bridged' && !link) {
        throw new OpPrereqError(`NIC/${index}: a bridged NIC needs a link (bridge)`, 'wrong_input');
      }
      const ip = pickIp(c, req.ip ?? null, net, index);
      if (ip && net) {
        pendingIps.add(ip);
        takenIps.push(ip);
      }
      const mac = pickMac(c, req.mac, net);
      pendingMacs.add(mac);
      takenMacs.push(mac);
      return {
        uuid: randomUUID(),
        name: req.name ?? null,
        mac,
        ip,
        mode,
        link,
        vlan: req.vlan ?? '',
        network: net?.uuid ?? null,
      };
    });
    return { nics, release };
  } catch (err) {
    release();
    throw err;
  }
}

function pickIp(
  c: Readonly<ClusterConfigData>,
  requested: string | null,
  net: NetworkConfig | null,
  index: number,
): string | null {
  if (requested === null || requested === '' || requested.toLowerCase() === 'none') return null;
  if (requested.toLowerCase() === 'pool') {
    if (!net) throw new OpPrereqError(`NIC/${index}: ip=pool needs a network`, 'wrong_input');
    const used = usedIps(c, net);
    const { first, last } = cidrRange(net.network);
    for (let n = first + 1; n < last; n++) {
      const ip = intToIp(n);
      if (!used.has(ip)) return ip;
    }
    throw new OpPrereqError(
      `No free IP address in network '${net.name}'`,
      'temp_insufficient_resources',
    );
  }
  if (!isIpv4(requested)) {
    throw new OpPrereqError(`NIC/${index}: invalid IP address '${requested}'`, 'wrong_input');
  }
  if (net) {
    const { first, last } = cidrRange(net.network);
    const n = ipToInt(requested);
    if (n < first || n > last || usedIps(c, net).has(requested)) {
      throw new OpPrereqError(
        `IP address ${requested} already in use or does not belong to network ${net.name}`,
        'already_exists',
      );
    }
  }
  return requested;
}

function pickMac(
  c: Readonly<ClusterConfigData>,
  requested: string | undefined,
  net: NetworkConfig | null,
): string {
  const used = usedMacs(c);
  if (requested && !['auto', 'generate'].includes(requested.toLowerCase())) {
    const mac = requested.toLowerCase();
    if (!MAC.test(mac))
      throw new OpPrereqError(`Invalid MAC address '${requested}'`, 'wrong_input');
    if (used.has(mac))
      throw new OpPrereqError(`MAC address ${mac} already in use in cluster`, 'already_exists');
    return mac;
  }
  const prefix = net?.mac_prefix || c.cluster.mac_prefix;
  for (;;) {
    const mac = `${prefix}:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    if (!used.has(mac)) return mac;
  }
}
