import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OpCode } from '@nefos/contracts';
import { OpPrereqError } from '../../common/ganeti-errors';
import { unixNow } from '../../common/ganeti-time';
import type { DiskConfig, InstanceConfig } from '../../cluster/cluster-config.types';
import type { ResolvedImage } from '../../storage/image.store';
import { allocateNics } from './nic-alloc';
import {
  findNode,
  instanceHookEnv,
  runPostHooks,
  runPreHooks,
  startDomain,
  defineDomain,
} from './instance-runtime';
import { checkBeparams, checkHvparams, fillBeparams } from './params';
import { lockOf, type MasterServices, type OpDefinition } from './op.types';
import { checkTags, DISK_TEMPLATES, instanceName, KNOWN_OS, nicSpec, DEFAULT_OS } from './schemas';

const schema = z
  .object({
    instance_name: instanceName,
    mode: z.enum(['create', 'import', 'remote-import']),
    disk_template: z.enum(DISK_TEMPLATES),
    disks: z
      .array(
        z
          .object({
            size: z.number().int().positive(),
            mode: z.enum(['rw', 'ro']).optional(),
            name: z.string().nullable().optional(),
          })
          .passthrough(),
      )
      .default([]),
    nics: z.array(nicSpec).default([]),
    beparams: z.record(z.unknown()).default({}),
    hvparams: z.record(z.unknown()).default({}),
    osparams: z.record(z.unknown()).default({}),
    osparams_private: z.record(z.unknown()).optional(),
    osparams_secret: z.record(z.unknown()).optional(),
    os_type: z.string().nullable().optional(),
    pnode: z.string().nullable().optional(),
    pnode_uuid: z.string().nullable().optional(),
    snode: z.string().nullable().optional(),
    iallocator: z.string().nullable().optional(),
    start: z.boolean().default(true),
    tags: z.array(z.string()).default([]),
    name_check: z.boolean().optional(),
    ip_check: z.boolean().optional(),
    conflicts_check: z.boolean().optional(),
    wait_for_sync: z.boolean().optional(),
    no_install: z.boolean().nullable().optional(),
    hypervisor: z.string().nullable().optional(),
    file_driver: z.string().nullable().optional(),
    file_storage_dir: z.string().nullable().optional(),
    identify_defaults: z.boolean().optional(),
    force_variant: z.boolean().optional(),
    opportunistic_locking: z.boolean().optional(),
    ignore_ipolicy: z.boolean().optional(),
    group_name: z.string().nullable().optional(),
    instance_communication: z.boolean().optional(),
    forthcoming: z.boolean().optional(),
    commit: z.boolean().optional(),
  })
  .strict();
type Params = z.infer<typeof schema>;

let nextPort = 11000;

export const instanceCreateOp: OpDefinition<Params> = {
  id: OpCode.InstanceCreate,
  schema,
  locks: (p) => [lockOf.instance(p.instance_name)],
  async run(ctx, p) {
    const s = ctx.services;
    const c = s.config.get();
    if (c.instances[p.instance_name]) {
      throw new OpPrereqError(
        `Instance '${p.instance_name}' is already in the cluster`,
        'already_exists',
      );
    }
    if (p.mode !== 'create') {
      throw new OpPrereqError(`Instance import (mode '${p.mode}') is not supported`, 'wrong_input');
    }
    if (!c.cluster.enabled_disk_templates.includes(p.disk_template as never)) {
      throw new OpPrereqError(
        `Cannot create an instance with disk template '${p.disk_template}', because it is not enabled in the cluster. Enabled disk templates are: ${c.cluster.enabled_disk_templates.join(',')}`,
        'wrong_state',
      );
    }
    if (p.disk_template === 'diskless' && p.disks.length > 0) {
      throw new OpPrereqError('Diskless instances cannot have disks', 'wrong_input');
    }
    if (p.disk_template === 'file' && p.disks.length === 0) {
      throw new OpPrereqError(
        `Disk template '${p.disk_template}' needs at least one disk`,
        'wrong_input',
      );
    }
    const os = p.os_type ?? DEFAULT_OS;
    if (!KNOWN_OS.includes(os)) {
      throw new OpPrereqError(
        `OS '${os}' not in supported OS list (${KNOWN_OS[0]})`,
        'wrong_input',
      );
    }
    if (p.hypervisor && p.hypervisor !== c.cluster.hypervisor) {
      throw new OpPrereqError(
        `Hypervisor '${p.hypervisor}' is not enabled in the cluster`,
        'wrong_state',
      );
    }
    checkTags(p.tags);
    const beparams = checkBeparams(p.beparams);
    const hvparams = checkHvparams(p.hvparams);
    const be = fillBeparams(c.cluster, beparams);
    const wantImage = p.osparams.img_id !== undefined || !p.no_install;
    const image: ResolvedImage | null = wantImage ? await s.images.resolve(p.osparams) : null;
    if (image)
      ctx.log(
        `Image '${image.id}' (${image.kind === 'kernel' ? 'direct kernel boot' : image.kind})`,
      );
    const diskMiB = p.disks.reduce((sum, d) => sum + d.size, 0);

    // Placement: the allocator (serialised by its lock) or the requested node.
    await ctx.lock([lockOf.allocation()]);
    let release: () => void;
    let pnode: string;
    if (p.pnode) {
      const node = findNode(c, p.pnode);
      if (node.offline)
        throw new OpPrereqError(`Can't use offline node ${node.name}`, 'wrong_state');
      if (node.drained)
        throw new OpPrereqError(`Can't use drained node ${node.name}`, 'wrong_state');
      if (!node.vm_capable)
        throw new OpPrereqError(`Node ${node.name} is not vm_capable`, 'wrong_state');
      pnode = node.name;
      release = s.allocator.hold(pnode, { memoryMiB: be.maxmem, diskMiB });
    } else {
      ({ node: pnode, release } = s.allocator.allocate(c, { memoryMiB: be.maxmem, diskMiB }));
    }
    ctx.release([lockOf.allocation().name]);
    const nicAlloc = (() => {
      try {
        return allocateNics(c, p.nics);
      } catch (err) {
        release();
        throw err;
      }
    })();
    const freeAll = (): void => {
      release();
      nicAlloc.release();
    };
    try {
      await ctx.lock([lockOf.node(pnode, true)]);
      const now = unixNow();
      const inst: InstanceConfig = {
        name: p.instance_name,
        uuid: randomUUID(),
        pnode,
        os,
        hypervisor: c.cluster.hypervisor,
        disk_template: p.disk_template as InstanceConfig['disk_template'],
        admin_state: p.start ? 'up' : 'down',
        admin_state_source: 'admin',
        beparams,
        hvparams,
        osparams: redactSecrets(p.osparams),
        nics: nicAlloc.nics,
        disks: [],
        network_port: s.hypervisor === 'test' ? allocatePort(c.instances) : null,
        image: image ? { id: image.id, kind: image.kind, dir: image.dir } : null,
        tags: p.tags,
        ctime: now,
        mtime: now,
        serial_no: 1,
      };
      ctx.log(`Placing instance ${inst.name} on node ${pnode}`);
      if (ctx.dryRun) return [pnode];

      const hook = { hpath: 'instance-add', objectType: 'INSTANCE' as const, opId: this.id };
      const preEnv = instanceHookEnv(
        c,
        { ...inst, disks: plannedDisks(p.disks) },
        { INSTANCE_ADD_MODE: 'create' },
      );
      await runPreHooks(ctx, hook, preEnv);
      try {
        for (const [i, d] of p.disks.entries()) {
          const made = await s.disks.create(pnode, inst.name, i, d.size, image);
          inst.disks.push({
            uuid: randomUUID(),
            name: d.name ?? null,
            size: d.size,
            mode: d.mode ?? 'rw',
            path: made.path,
          });
          ctx.log(`Created disk ${i} (${d.size} MiB) at ${made.path}`);
        }
        if (p.start) await startDomain(ctx, inst);
        else await defineDomain(s, c, inst);
      } catch (err) {
        await removeLeftovers(s, inst.name, [pnode]);
        throw err;
      }
      ctx.commit(
        (cfg) => {
          cfg.instances[inst.name] = inst;
        },
        [pnode],
      );
      await runPostHooks(
        ctx,
        hook,
        preEnv,
        instanceHookEnv(s.config.get(), inst, { INSTANCE_ADD_MODE: 'create' }),
      );
      return [pnode];
    } finally {
      freeAll();
    }
  },
  async rollback(s, p) {
    if (s.config.get().instances[p.instance_name]) return;
    await removeLeftovers(s, p.instance_name, Object.keys(s.config.get().nodes));
  },
};

function plannedDisks(disks: Params['disks']): DiskConfig[] {
  return disks.map((d) => ({
    uuid: '',
    name: d.name ?? null,
    size: d.size,
    mode: d.mode ?? 'rw',
    path: '',
  }));
}

/** The image password is for the image's first boot, not for the config or the job file. */
export function redactSecrets(osparams: Record<string, unknown>): Record<string, unknown> {
  const { img_passwd: _secret, ...rest } = osparams;
  return rest;
}

function allocatePort(instances: Record<string, InstanceConfig>): number {
  const used = new Set(Object.values(instances).map((i) => i.network_port));
  while (used.has(nextPort)) nextPort = nextPort >= 14999 ? 11000 : nextPort + 1;
  return nextPort++;
}

/** Removes a half-created instance's domain and files (a failed or interrupted create). */
async function removeLeftovers(s: MasterServices, name: string, nodes: string[]): Promise<void> {
  const c = s.config.get();
  for (const nodeName of nodes) {
    const node = c.nodes[nodeName];
    if (!node || node.offline) continue;
    try {
      const conn = await s.nodes.connection(node);
      await conn.destroy(name);
      await conn.undefine(name);
    } catch (err) {
      s.logger.warn(
        { instance: name, node: nodeName, err: (err as Error).message },
        'cleanup failed',
      );
    }
    s.disks.removeInstance(nodeName, name);
  }
}
