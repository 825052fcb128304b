import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OpCode } from '@nefos/contracts';
import { OpPrereqError } from '../../common/ganeti-errors';
import { unixNow } from '../../common/ganeti-time';
import { touch } from '../../cluster/cluster-config.store';
import type { NetworkConfig } from '../../cluster/cluster-config.types';
import { runPostHooks, runPreHooks, type HookEnv } from './instance-runtime';
import { cidrRange, findNetwork, intToIp, ipToInt, isIpv4 } from './nic-alloc';
import { lockOf, type OpDefinition } from './op.types';
import { checkTags } from './schemas';

const netName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a network name');
const MAC_PREFIX = /^[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/i;

function networkEnv(net: NetworkConfig): HookEnv {
  return {
    NETWORK_NAME: net.name,
    NETWORK_UUID: net.uuid,
    NETWORK_SUBNET: net.network,
    NETWORK_GATEWAY: net.gateway ?? '',
    NETWORK_SUBNET6: net.network6 ?? '',
    NETWORK_GATEWAY6: net.gateway6 ?? '',
    NETWORK_MAC_PREFIX: net.mac_prefix ?? '',
    NETWORK_TAGS: net.tags.join(' '),
  };
}

function inNetwork(net: string, ip: string): boolean {
  const { first, last } = cidrRange(net);
  const n = ipToInt(ip);
  return n >= first && n <= last;
}

const addSchema = z
  .object({
    network_name: netName,
    network: z
      .string()
      .regex(/^(\d{1,3}\.){3}\d{1,3}\/([89]|[12]\d|30)$/, 'an IPv4 CIDR between /8 and /30'),
    gateway: z.string().nullable().optional(),
    network6: z.string().nullable().optional(),
    gateway6: z.string().nullable().optional(),
    mac_prefix: z.string().nullable().optional(),
    add_reserved_ips: z.array(z.string()).nullable().optional(),
    conflicts_check: z.boolean().optional(),
    tags: z.array(z.string()).default([]),
  })
  .strict();

export const networkAddOp: OpDefinition<z.infer<typeof addSchema>> = {
  id: OpCode.NetworkAdd,
  schema: addSchema,
  locks: (p) => [lockOf.network(p.network_name)],
  async run(ctx, p) {
    const c = ctx.services.config.get();
    if (c.networks[p.network_name]) {
      throw new OpPrereqError(`Network '${p.network_name}' already exists`, 'already_exists');
    }
    const base = p.network.split('/')[0];
    if (!isIpv4(base)) throw new OpPrereqError(`Invalid network '${p.network}'`, 'wrong_input');
    const { first } = cidrRange(p.network);
    const network = `${intToIp(first)}/${p.network.split('/')[1]}`;
    if (p.gateway && (!isIpv4(p.gateway) || !inNetwork(network, p.gateway))) {
      throw new OpPrereqError(`Gateway ${p.gateway} is not inside ${network}`, 'wrong_input');
    }
    if (p.mac_prefix && !MAC_PREFIX.test(p.mac_prefix)) {
      throw new OpPrereqError(`Invalid MAC prefix '${p.mac_prefix}'`, 'wrong_input');
    }
    for (const ip of p.add_reserved_ips ?? []) {
      if (!isIpv4(ip) || !inNetwork(network, ip))
        throw new OpPrereqError(`Reserved IP ${ip} is not inside ${network}`, 'wrong_input');
    }
    checkTags(p.tags);
    const now = unixNow();
    const net: NetworkConfig = {
      name: p.network_name,
      uuid: randomUUID(),
      network,
      gateway: p.gateway ?? null,
      network6: p.network6 ?? null,
      gateway6: p.gateway6 ?? null,
      mac_prefix: p.mac_prefix?.toLowerCase() ?? null,
      external_reservations: [
        ...new Set([...(p.gateway ? [p.gateway] : []), ...(p.add_reserved_ips ?? [])]),
      ],
      tags: p.tags,
      ctime: now,
      mtime: now,
      serial_no: 1,
    };
    if (ctx.dryRun) return null;
    const hook = { hpath: 'network-add', objectType: 'NETWORK' as const, opId: this.id };
    const env = networkEnv(net);
    await runPreHooks(ctx, hook, env);
    ctx.commit((cfg) => {
      cfg.networks[net.name] = net;
    }, null);
    await runPostHooks(ctx, hook, env, env);
    return null;
  },
};

const connectSchema = z
  .object({
    network_name: netName,
    group_name: z.string(),
    network_mode: z.enum(['bridged', 'routed', 'openvswitch']),
    network_link: z.string(),
    network_vlan: z.string().optional(),
    conflicts_check: z.boolean().optional(),
  })
  .strict();

export const networkConnectOp: OpDefinition<z.infer<typeof connectSchema>> = {
  id: OpCode.NetworkConnect,
  schema: connectSchema,
  locks: (p) => [lockOf.network(p.network_name), lockOf.group(p.group_name)],
  async run(ctx, p) {
    const c = ctx.services.config.get();
    const net = findNetwork(c, p.network_name);
    const group = c.groups[p.group_name];
    if (!group) throw new OpPrereqError(`Node group '${p.group_name}' not found`, 'unknown_entity');
    if (p.network_mode === 'bridged' && !p.network_link) {
      throw new OpPrereqError('A bridged network needs a link (bridge name)', 'wrong_input');
    }
    if (group.networks[net.uuid]) {
      ctx.log(`Network '${net.name}' is already connected to group '${group.name}'`);
      return null;
    }
    if (ctx.dryRun) return null;
    const hook = { hpath: 'network-connect', objectType: 'NETWORK' as const, opId: this.id };
    const env = {
      ...networkEnv(net),
      GROUP_NAME: group.name,
      NETWORK_MODE: p.network_mode,
      NETWORK_LINK: p.network_link,
    };
    await runPreHooks(ctx, hook, env);
    ctx.commit((cfg) => {
      cfg.groups[group.name].networks[net.uuid] = {
        mode: p.network_mode,
        link: p.network_link,
        vlan: p.network_vlan ?? '',
      };
      touch(cfg.groups[group.name]);
    }, null);
    await runPostHooks(ctx, hook, env, env);
    return null;
  },
};

const disconnectSchema = z.object({ network_name: netName, group_name: z.string() }).strict();

export const networkDisconnectOp: OpDefinition<z.infer<typeof disconnectSchema>> = {
  id: OpCode.NetworkDisconnect,
  schema: disconnectSchema,
  locks: (p) => [lockOf.network(p.network_name), lockOf.group(p.group_name)],
  async run(ctx, p) {
    const c = ctx.services.config.get();
    const net = findNetwork(c, p.network_name);
    const group = c.groups[p.group_name];
    if (!group) throw new OpPrereqError(`Node group '${p.group_name}' not found`, 'unknown_entity');
    if (!group.networks[net.uuid]) {
      ctx.log(`Network '${net.name}' is not connected to group '${group.name}'`);
      return null;
    }
    const users = Object.values(c.instances).filter((i) =>
      i.nics.some((n) => n.network === net.uuid),
    );
    if (users.length) {
      throw new OpPrereqError(
        `Network '${net.name}' is in use by instance(s) ${users.map((i) => i.name).join(', ')}`,
        'wrong_state',
      );
    }
    if (ctx.dryRun) return null;
    const hook = { hpath: 'network-disconnect', objectType: 'NETWORK' as const, opId: this.id };
    const env = { ...networkEnv(net), GROUP_NAME: group.name };
    await runPreHooks(ctx, hook, env);
    ctx.commit((cfg) => {
      delete cfg.groups[group.name].networks[net.uuid];
      touch(cfg.groups[group.name]);
    }, null);
    await runPostHooks(ctx, hook, env, env);
    return null;
  },
};

const removeSchema = z.object({ network_name: netName, force: z.boolean().optional() }).strict();

export const networkRemoveOp: OpDefinition<z.infer<typeof removeSchema>> = {
  id: OpCode.NetworkRemove,
  schema: removeSchema,
  locks: (p) => [lockOf.network(p.network_name)],
  async run(ctx, p) {
    const c = ctx.services.config.get();
    const net = findNetwork(c, p.network_name);
    const groups = Object.values(c.groups)
      .filter((g) => g.networks[net.uuid])
      .map((g) => g.name);
    if (groups.length) {
      throw new OpPrereqError(
        `Network '${net.name}' is still connected to group(s) ${groups.join(', ')}`,
        'wrong_state',
      );
    }
    if (ctx.dryRun) return null;
    const hook = { hpath: 'network-remove', objectType: 'NETWORK' as const, opId: this.id };
    const env = networkEnv(net);
    await runPreHooks(ctx, hook, env);
    ctx.commit((cfg) => {
      delete cfg.networks[net.name];
    }, null);
    await runPostHooks(ctx, hook, env, env);
    return null;
  },
};
