import { createHash } from 'node:crypto';
import { viewServerState } from '@nefos/contracts';
import type { ServerWithView } from '@nefos/database';
import type { ComputeLinks } from '../common/compute-links';
import { isoMicros, isoSeconds } from '../common/time';

export interface AddressView {
  addr: string;
  version: number;
  'OS-EXT-IPS:type': 'fixed' | 'floating';
  'OS-EXT-IPS-MAC:mac_addr': string;
}

/** Nova's `hostId`: opaque per project, so tenants cannot map each other's hosts. */
export function hostId(projectId: string, host: string | null): string {
  return host
    ? createHash('sha224')
        .update(projectId + host)
        .digest('hex')
    : '';
}

/** `{"<network name>": [{addr, version, OS-EXT-IPS:type, OS-EXT-IPS-MAC:mac_addr}]}` */
export function serverAddresses(s: ServerWithView): Record<string, AddressView[]> {
  const out: Record<string, AddressView[]> = {};
  for (const port of s.ports) {
    for (const a of port.addresses) {
      (out[port.network.name] ??= []).push({
        addr: a.address,
        version: a.subnet.ipVersion,
        'OS-EXT-IPS:type': a.floating ? 'floating' : 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': port.macAddress,
      });
    }
  }
  return out;
}

export function serverSummary(
  s: { id: string; name: string },
  links: ComputeLinks,
): Record<string, unknown> {
  return { id: s.id, name: s.name, links: links.pair('servers', s.id) };
}

/**
 * The v2.1 server object with exactly the keys of DESIGN §7: `progress` only in ACTIVE/BUILD,
 * `fault` only in ERROR (details to admins, or when not an internal error), the
 * `OS-EXT-SRV-ATTR:*` keys only for admins.
 */
export function serverDetail(
  s: ServerWithView,
  opts: { links: ComputeLinks; isAdmin: boolean },
): Record<string, unknown> {
  const { links, isAdmin } = opts;
  const state = viewServerState(s);
  const view: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    status: state.status,
    tenant_id: s.projectId,
    user_id: s.userId,
    metadata: Object.fromEntries(s.metadata.map((m) => [m.key, m.value])),
    hostId: hostId(s.projectId, s.hostNode),
    image: s.imageId
      ? { id: s.imageId, links: [{ rel: 'bookmark', href: links.bookmark('images', s.imageId) }] }
      : '',
    flavor: {
      id: s.flavorId,
      links: [{ rel: 'bookmark', href: links.bookmark('flavors', s.flavorId) }],
    },
    created: isoSeconds(s.createdAt),
    updated: isoSeconds(s.updatedAt),
    addresses: serverAddresses(s),
    accessIPv4: s.accessIpv4 ?? '',
    accessIPv6: s.accessIpv6 ?? '',
    links: links.pair('servers', s.id),
    'OS-DCF:diskConfig': s.diskConfig,
    key_name: s.keyName,
    security_groups: [],
    config_drive: s.configDrive ? 'True' : '',
    'OS-EXT-AZ:availability_zone': s.availabilityZone,
    'OS-SRV-USG:launched_at': isoMicros(s.launchedAt),
    'OS-SRV-USG:terminated_at': isoMicros(s.terminatedAt),
    'OS-EXT-STS:task_state': state.taskState,
    'OS-EXT-STS:vm_state': state.vmState,
    'OS-EXT-STS:power_state': state.powerState,
    'os-extended-volumes:volumes_attached': s.attachments.map((a) => ({ id: a.volumeId })),
  };
  if (state.status === 'ACTIVE' || state.status === 'BUILD') {
    view.progress = state.status === 'ACTIVE' ? 100 : s.buildProgress;
  }
  if (state.status === 'ERROR') {
    const code = s.faultCode ?? 500;
    view.fault = {
      code,
      created: isoSeconds(s.faultAt ?? s.updatedAt),
      message: s.faultMessage ?? 'The server failed; no details were recorded.',
      ...(s.faultDetails && (isAdmin || code !== 500) ? { details: s.faultDetails } : {}),
    };
  }
  if (isAdmin) {
    view['OS-EXT-SRV-ATTR:host'] = s.hostNode;
    view['OS-EXT-SRV-ATTR:instance_name'] = s.instanceName;
    view['OS-EXT-SRV-ATTR:hypervisor_hostname'] = s.hostNode;
  }
  return view;
}
