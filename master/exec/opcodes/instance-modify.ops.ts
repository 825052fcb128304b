import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OpCode } from '@nefos/contracts';
import { OpPrereqError } from '../../common/ganeti-errors';
import { touch } from '../../cluster/cluster-config.store';
import type { InstanceConfig } from '../../cluster/cluster-config.types';
import { allocateNics, type NicRequest } from './nic-alloc';
import {
  defineDomain,
  findInstance,
  instanceHookEnv,
  onlineNode,
  runPostHooks,
  runPreHooks,
} from './instance-runtime';
import { checkBeparams, checkHvparams, fillBeparams } from './params';
import { lockOf, type OpContext, type OpDefinition } from './op.types';
import { instanceName, KNOWN_OS } from './schemas';
import { redactSecrets } from './instance-create.op';

/** Ganeti container changes: `[[op, index, params]]`, or the legacy `[[op|index, params]]`. */
const containerMods = z.array(z.array(z.unknown()).min(2).max(3));
type Mod = { op: 'add' | 'remove' | 'modify'; index: number; params: Record<string, unknown> };

function parseMods(raw: unknown[][], what: string): Mod[] {
  return raw.map((m) => {
    const [first, second, third] = m.length === 3 ? m : [m[0], m[0], m[1]];
    let op = typeof first === 'string' ? first : 'modify';
    let index = typeof second === 'number' ? second : Number(second);
    if (m.length === 2 && (first === 'add' || first === 'remove')) index = -1;
    if (m.length === 2 && typeof first === 'number') op = 'modify';
    if (!['add', 'remove', 'modify'].includes(op) || !Number.isInteger(index)) {
      throw new OpPrereqError(`Invalid ${what} modification ${JSON.stringify(m)}`, 'wrong_input');
    }
    return { op: op as Mod['op'], index, params: (third ?? {}) as Record<string, unknown> };
  });
}

function at<T>(list: T[], index: number, what: string): number {
  const i = index === -1 ? list.length - 1 : index;
  if (i < 0 || i >= list.length)
    throw new OpPrereqError(`Invalid ${what} index ${index}`, 'wrong_input');
  return i;
}

const setParamsSchema = z
  .object({
    instance_name: instanceName,
    beparams: z.record(z.unknown()).optional(),
    hvparams: z.record(z.unknown()).optional(),
    osparams: z.record(z.unknown()).optional(),
    osparams_private: z.record(z.unknown()).optional(),
    nics: containerMods.optional(),
    disks: containerMods.optional(),
    os_name: z.string().optional(),
    offline: z.boolean().nullable().optional(),
    force: z.boolean().optional(),
    force_variant: z.boolean().optional(),
    ignore_ipolicy: z.boolean().optional(),
    wait_for_sync: z.boolean().optional(),
    conflicts_check: z.boolean().optional(),
    hotplug: z.boolean().optional(),
    hotplug_if_possible: z.boolean().optional(),
    runtime_mem: z.number().int().optional(),
  })
  .strict();

export const instanceSetParamsOp: OpDefinition<z.infer<typeof setParamsSchema>> = {
  id: OpCode.InstanceSetParams,
  schema: setParamsSchema,
  locks: (p, c) => {
    const inst = c.instances[p.instance_name];
    return [lockOf.instance(p.instance_name), ...(inst ? [lockOf.node(inst.pnode, true)] : [])];
  },
  async run(ctx, p) {
    const s = ctx.services;
    const c = s.config.get();
    const before = findInstance(c, p.instance_name);
    const inst = structuredClone(before) as InstanceConfig;
    const changes: Array<[string, unknown]> = [];
    const node = onlineNode(c, inst);
    const running = Boolean((await (await s.nodes.connection(node)).status(inst.name))?.active);

    if (p.beparams) {
      inst.beparams = { ...inst.beparams, ...checkBeparams(p.beparams) };
      fillBeparams(c.cluster, inst.beparams);
      for (const [k, v] of Object.entries(p.beparams)) changes.push([`be/${k}`, v]);
    }
    if (p.hvparams) {
      inst.hvparams = { ...inst.hvparams, ...checkHvparams(p.hvparams) };
      for (const [k, v] of Object.entries(p.hvparams)) changes.push([`hv/${k}`, v]);
    }
    if (p.osparams) {
      inst.osparams = { ...inst.osparams, ...redactSecrets(p.osparams) };
      for (const k of Object.keys(p.osparams))
        changes.push([`os/${k}`, k === 'img_passwd' ? '<redacted>' : p.osparams[k]]);
    }
    if (p.os_name) {
      if (!KNOWN_OS.includes(p.os_name))
        throw new OpPrereqError(`OS '${p.os_name}' not in supported OS list`, 'wrong_input');
      inst.os = p.os_name;
      changes.push(['os', p.os_name]);
    }
    if (p.offline !== undefined && p.offline !== null) {
      if (p.offline && running)
        throw new OpPrereqError(`Instance '${inst.name}' is running, stop it first`, 'wrong_state');
      inst.admin_state = p.offline ? 'offline' : 'down';
      changes.push(['admin_state', inst.admin_state]);
    }
    const releases: Array<() => void> = [];
    try {
      for (const m of parseMods(p.nics ?? [], 'NIC')) {
        if (m.op === 'add') {
          const { nics, release } = allocateNics(c, [m.params as NicRequest]);
          releases.push(release);
          inst.nics.splice(m.index === -1 ? inst.nics.length : m.index, 0, nics[0]);
          changes.push([
            `nic.${inst.nics.length - 1}`,
            `add:mac=${nics[0].mac},ip=${nics[0].ip},mode=${nics[0].mode},link=${nics[0].link}`,
          ]);
        } else if (m.op === 'remove') {
          const i = at(inst.nics, m.index, 'NIC');
          inst.nics.splice(i, 1);
          changes.push([`nic.${i}`, 'remove']);
        } else {
          const i = at(inst.nics, m.index, 'NIC');
          const current = inst.nics[i];
          const others = {
            ...c,
            instances: {
              ...c.instances,
              [inst.name]: { ...inst, nics: inst.nics.filter((_, j) => j !== i) },
            },
          };
          const { nics, release } = allocateNics(others, [
            {
              mac: current.mac,
              ip: current.ip,
              mode: current.network ? undefined : current.mode,
              link: current.network ? undefined : current.link,
              network: current.network,
              name: current.name,
              ...(m.params as NicRequest),
            },
          ]);
          releases.push(release);
          inst.nics[i] = { ...nics[0], uuid: current.uuid };
          for (const [k, v] of Object.entries(m.params)) changes.push([`nic.${k}/${i}`, v]);
        }
      }
      const diskMods = parseMods(p.disks ?? [], 'disk');
      if (diskMods.some((m) => m.op !== 'modify') && inst.disk_template === 'diskless') {
        throw new OpPrereqError(
          'Disk operations not supported for diskless instances',
          'wrong_input',
        );
      }
      if (diskMods.some((m) => m.op === 'remove') && running) {
        throw new OpPrereqError(
          `Instance '${inst.name}' is running, can't remove disks`,
          'wrong_state',
        );
      }
      if (ctx.dryRun) return changes;
      const hook = { hpath: 'instance-modify', objectType: 'INSTANCE' as const, opId: this.id };
      const preEnv = instanceHookEnv(c, before);
      await runPreHooks(ctx, hook, preEnv);
      const removedFiles: string[] = [];
      for (const m of diskMods) {
        if (m.op === 'add') {
          const size = Number(m.params.size);
          if (!Number.isInteger(size) || size <= 0)
            throw new OpPrereqError('A new disk needs a positive size', 'wrong_input');
          const index = inst.disks.length;
          const made = await s.disks.create(inst.pnode, inst.name, nextDiskIndex(inst), size, null);
          inst.disks.push({
            uuid: randomUUID(),
            name: (m.params.name as string) ?? null,
            size,
            mode: (m.params.mode as 'rw' | 'ro') ?? 'rw',
            path: made.path,
          });
          changes.push([`disk/${index}`, `add:size=${size},mode=${inst.disks[index].mode}`]);
        } else if (m.op === 'remove') {
          const i = at(inst.disks, m.index, 'disk');
          removedFiles.push(inst.disks[i].path);
          inst.disks.splice(i, 1);
          changes.push([`disk/${i}`, 'remove']);
        } else {
          const i = at(inst.disks, m.index, 'disk');
          if (m.params.name !== undefined) inst.disks[i].name = m.params.name as string;
          if (m.params.mode === 'rw' || m.params.mode === 'ro') inst.disks[i].mode = m.params.mode;
          changes.push([`disk.name/${i}`, inst.disks[i].name]);
        }
      }
      touch(inst);
      await defineDomain(s, { ...c, instances: { ...c.instances, [inst.name]: inst } }, inst);
      ctx.commit((cfg) => {
        cfg.instances[inst.name] = inst;
      }, changes);
      for (const f of removedFiles) s.disks.removeFile(f);
      if (running && changes.length)
        ctx.log('Changes take effect at the next restart of the instance');
      await runPostHooks(ctx, hook, preEnv, instanceHookEnv(s.config.get(), inst));
      return changes;
    } finally {
      for (const r of releases) r();
    }
  },
};

function nextDiskIndex(inst: InstanceConfig): number {
  const used = inst.disks.map((d) => Number(/disk(\d+)\./.exec(d.path)?.[1] ?? -1));
  return Math.max(-1, ...used) + 1;
}

const growSchema = z
  .object({
    instance_name: instanceName,
    disk: z.number().int().min(0),
    amount: z.number().int().positive(),
    absolute: z.boolean().optional(),
    wait_for_sync: z.boolean().optional(),
    ignore_ipolicy: z.boolean().optional(),
  })
  .strict();

export const instanceGrowDiskOp: OpDefinition<z.infer<typeof growSchema>> = {
  id: 'OP_INSTANCE_GROW_DISK',
  schema: growSchema,
  locks: (p, c) => {
    const inst = c.instances[p.instance_name];
    return [lockOf.instance(p.instance_name), ...(inst ? [lockOf.node(inst.pnode, true)] : [])];
  },
  async run(ctx: OpContext, p) {
    const s = ctx.services;
    const inst = findInstance(s.config.get(), p.instance_name);
    const disk = inst.disks[p.disk];
    if (!disk) throw new OpPrereqError(`Invalid disk index ${p.disk}`, 'wrong_input');
    const target = p.absolute ? p.amount : disk.size + p.amount;
    if (target < disk.size) {
      throw new OpPrereqError(
        `Requested size (${target} MiB) is smaller than the current disk (${disk.size} MiB)`,
        'wrong_input',
      );
    }
    if (ctx.dryRun) return null;
    await s.disks.grow(disk.path, target);
    ctx.log(`Disk ${p.disk} grown from ${disk.size} to ${target} MiB`);
    ctx.commit((c) => {
      c.instances[inst.name].disks[p.disk].size = target;
      touch(c.instances[inst.name]);
    }, null);
    return null;
  },
};
