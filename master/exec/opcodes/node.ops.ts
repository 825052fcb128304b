import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OpCode } from '@nefos/contracts';
import { OpPrereqError } from '../../common/ganeti-errors';
import { unixNow } from '../../common/ganeti-time';
import { DEFAULT_GROUP, touch } from '../../cluster/cluster-config.store';
import { findNode, runPostHooks, runPreHooks, type HookEnv } from './instance-runtime';
import { testNodeFile } from '../../nodes/node.registry';
import { lockOf, type OpDefinition } from './op.types';
import { nodeName } from './schemas';

const LIBVIRT_URI = /^[a-z][a-z0-9+]*:\/\/\S*$/;

function nodeEnv(name: string, extra: Record<string, unknown> = {}): HookEnv {
  const env: HookEnv = { NODE_NAME: name };
  for (const [k, v] of Object.entries(extra)) env[k.toUpperCase()] = String(v);
  return env;
}

const setParamsSchema = z
  .object({
    node_name: nodeName,
    offline: z.boolean().nullable().optional(),
    drained: z.boolean().nullable().optional(),
    master_candidate: z.boolean().nullable().optional(),
    master_capable: z.boolean().nullable().optional(),
    vm_capable: z.boolean().nullable().optional(),
    force: z.boolean().optional(),
    auto_promote: z.boolean().optional(),
    ndparams: z.record(z.unknown()).nullable().optional(),
    powered: z.boolean().nullable().optional(),
    secondary_ip: z.string().nullable().optional(),
  })
  .strict();

/** Drained/offline/candidate flags (`/2/nodes/[n]/modify` and `/role`). */
export const nodeSetParamsOp: OpDefinition<z.infer<typeof setParamsSchema>> = {
  id: OpCode.NodeSetParams,
  schema: setParamsSchema,
  locks: (p) => [lockOf.node(p.node_name)],
  async run(ctx, p) {
    const s = ctx.services;
    const c = s.config.get();
    const node = findNode(c, p.node_name);
    const flags = [
      'offline',
      'drained',
      'master_candidate',
      'master_capable',
      'vm_capable',
    ] as const;
    const changes: Array<[string, string]> = [];
    const next = { ...node };
    for (const f of flags) {
      const v = p[f];
      if (v === null || v === undefined || v === node[f]) continue;
      next[f] = v;
      changes.push([f, v ? 'True' : 'False']);
    }
    if (next.offline && next.drained && p.offline && p.drained) {
      throw new OpPrereqError('Only one of offline and drained can be set', 'wrong_input');
    }
    // Ganeti's roles are exclusive: setting one clears the others.
    if (p.offline) next.drained = next.master_candidate = false;
    if (p.drained) next.offline = next.master_candidate = false;
    if (node.name === c.cluster.master_node && next.offline) {
      throw new OpPrereqError('The master node cannot be set offline', 'wrong_input');
    }
    if (p.ndparams) {
      next.ndparams = { ...node.ndparams, ...p.ndparams };
      changes.push(['ndparams', JSON.stringify(p.ndparams)]);
    }
    if (ctx.dryRun || changes.length === 0) return changes;
    const hook = { hpath: 'node-modify', objectType: 'NODE' as const, opId: this.id };
    const preEnv = nodeEnv(node.name, {
      OFFLINE: node.offline,
      DRAINED: node.drained,
      MASTER_CANDIDATE: node.master_candidate,
    });
    await runPreHooks(ctx, hook, preEnv);
    ctx.commit((cfg) => {
      cfg.nodes[node.name] = next;
      touch(cfg.nodes[node.name]);
    }, changes);
    // A real node's domains live on in libvirtd; a simulated one's live in our connection.
    if (next.offline && !testNodeFile(node.uri)) s.nodes.forget(node.name);
    await runPostHooks(
      ctx,
      hook,
      preEnv,
      nodeEnv(node.name, {
        OFFLINE: next.offline,
        DRAINED: next.drained,
        MASTER_CANDIDATE: next.master_candidate,
      }),
    );
    return changes;
  },
};

const addSchema = z
  .object({
    node_name: nodeName,
    libvirt_uri: z.string().regex(LIBVIRT_URI, 'a libvirt URI such as qemu+ssh://host/system'),
    primary_ip: z.string().nullable().optional(),
    secondary_ip: z.string().nullable().optional(),
    group: z.string().nullable().optional(),
    readd: z.boolean().optional(),
    master_capable: z.boolean().nullable().optional(),
    vm_capable: z.boolean().nullable().optional(),
    ndparams: z.record(z.unknown()).nullable().optional(),
  })
  .strict();

/** Adds a node: a libvirt connection the master can reach (Nefos's form of `gnt-node add`). */
export const nodeAddOp: OpDefinition<z.infer<typeof addSchema>> = {
  id: 'OP_NODE_ADD',
  schema: addSchema,
  locks: (p) => [lockOf.node(p.node_name), lockOf.allocation()],
  async run(ctx, p) {
    const s = ctx.services;
    const c = s.config.get();
    if (c.nodes[p.node_name] && !p.readd) {
      throw new OpPrereqError(
        `Node ${p.node_name} is already in the configuration`,
        'already_exists',
      );
    }
    if (p.group && p.group !== DEFAULT_GROUP) {
      throw new OpPrereqError(`Node group '${p.group}' not found`, 'unknown_entity');
    }
    const now = unixNow();
    const node = {
      name: p.node_name,
      uuid: c.nodes[p.node_name]?.uuid ?? randomUUID(),
      uri: p.libvirt_uri,
      primary_ip: p.primary_ip ?? hostOf(p.libvirt_uri),
      group: c.groups[DEFAULT_GROUP].uuid,
      offline: false,
      drained: false,
      master_candidate: true,
      master_capable: p.master_capable ?? true,
      vm_capable: p.vm_capable ?? true,
      ndparams: p.ndparams ?? {},
      tags: [],
      ctime: now,
      mtime: now,
      serial_no: 1,
    };
    const live = await s.nodes.refresh(node);
    if (!live.reachable) {
      throw new OpPrereqError(
        `Cannot connect to ${p.libvirt_uri}: ${live.error}`,
        'resolver_error',
      );
    }
    ctx.log(`Node ${node.name}: ${live.host?.cpus} CPUs, ${live.host?.memoryMiB} MiB`);
    if (ctx.dryRun) return null;
    ctx.commit((cfg) => {
      cfg.nodes[node.name] = node;
    }, null);
    return null;
  },
};

const removeSchema = z.object({ node_name: nodeName }).strict();

export const nodeRemoveOp: OpDefinition<z.infer<typeof removeSchema>> = {
  id: 'OP_NODE_REMOVE',
  schema: removeSchema,
  locks: (p) => [lockOf.node(p.node_name), lockOf.allocation()],
  async run(ctx, p) {
    const s = ctx.services;
    const c = s.config.get();
    const node = findNode(c, p.node_name);
    if (node.name === c.cluster.master_node) {
      throw new OpPrereqError(
        'Node is the master node, failover to another node is required',
        'wrong_input',
      );
    }
    const insts = Object.values(c.instances)
      .filter((i) => i.pnode === node.name)
      .map((i) => i.name);
    if (insts.length) {
      throw new OpPrereqError(
        `Instance(s) ${insts.join(', ')} are still on node ${node.name}`,
        'wrong_state',
      );
    }
    if (ctx.dryRun) return null;
    ctx.commit((cfg) => {
      delete cfg.nodes[node.name];
    }, null);
    s.nodes.forget(node.name);
    return null;
  },
};

/** The address guests' consoles are reached at: the URI's host, or loopback for local URIs. */
export function hostOf(uri: string): string {
  try {
    const host = new URL(uri).hostname;
    return host || '127.0.0.1';
  } catch {
    return '127.0.0.1';
  }
}
