import { z } from 'zod';
import { OpCode } from '@nefos/contracts';
import { OpPrereqError } from '../../common/ganeti-errors';
import { touch } from '../../cluster/cluster-config.store';
import {
  findInstance,
  instanceHookEnv,
  onlineNode,
  runPostHooks,
  runPreHooks,
  defineDomain,
} from './instance-runtime';
import { fillBeparams, fillHvparams } from './params';
import { lockOf, type OpDefinition } from './op.types';
import { instanceName, KNOWN_OS } from './schemas';
import { redactSecrets } from './instance-create.op';

const reinstallSchema = z
  .object({
    instance_name: instanceName,
    os_type: z.string().nullable().optional(),
    osparams: z.record(z.unknown()).nullable().optional(),
    osparams_private: z.record(z.unknown()).nullable().optional(),
    osparams_secret: z.record(z.unknown()).nullable().optional(),
    force_variant: z.boolean().optional(),
  })
  .strict();

/** Recreates the first disk from the (possibly new) image; the instance must be stopped. */
export const instanceReinstallOp: OpDefinition<z.infer<typeof reinstallSchema>> = {
  id: OpCode.InstanceReinstall,
  schema: reinstallSchema,
  locks: (p, c) => {
    const inst = c.instances[p.instance_name];
    return [lockOf.instance(p.instance_name), ...(inst ? [lockOf.node(inst.pnode, true)] : [])];
  },
  async run(ctx, p) {
    const s = ctx.services;
    const c = s.config.get();
    const inst = structuredClone(findInstance(c, p.instance_name));
    const node = onlineNode(c, inst);
    if ((await (await s.nodes.connection(node)).status(inst.name))?.active) {
      throw new OpPrereqError(
        `Instance '${inst.name}' is running, stop it before reinstalling`,
        'wrong_state',
      );
    }
    if (p.os_type && !KNOWN_OS.includes(p.os_type)) {
      throw new OpPrereqError(`OS '${p.os_type}' not in supported OS list`, 'wrong_input');
    }
    const osparams = { ...inst.osparams, ...(p.osparams ?? {}) };
    const image = await s.images.resolve(osparams);
    if (ctx.dryRun) return null;
    const hook = { hpath: 'instance-reinstall', objectType: 'INSTANCE' as const, opId: this.id };
    const preEnv = instanceHookEnv(c, inst);
    await runPreHooks(ctx, hook, preEnv);
    if (inst.disks.length > 0) {
      const first = inst.disks[0];
      s.disks.removeFile(first.path);
      const made = await s.disks.create(inst.pnode, inst.name, 0, first.size, image);
      inst.disks[0] = { ...first, path: made.path };
      ctx.log(`Disk 0 recreated from image '${image.id}'`);
    }
    inst.osparams = redactSecrets(osparams);
    inst.os = p.os_type ?? inst.os;
    inst.image = { id: image.id, kind: image.kind, dir: image.dir };
    touch(inst);
    await defineDomain(s, { ...c, instances: { ...c.instances, [inst.name]: inst } }, inst);
    ctx.commit((cfg) => {
      cfg.instances[inst.name] = inst;
    }, null);
    await runPostHooks(ctx, hook, preEnv, instanceHookEnv(s.config.get(), inst));
    return null;
  },
};

const querySchema = z
  .object({
    instances: z.array(z.string()).default([]),
    static: z.boolean().default(false),
    use_locking: z.boolean().optional(),
  })
  .strict();

/** `GET /2/instances/[i]/info`: Ganeti's detailed per-instance data, as a job result. */
export const instanceQueryDataOp: OpDefinition<z.infer<typeof querySchema>> = {
  id: OpCode.InstanceQueryData,
  schema: querySchema,
  locks: () => [],
  async run(ctx, p) {
    const s = ctx.services;
    const c = s.config.get();
    const names = p.instances.length ? p.instances : Object.keys(c.instances);
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const inst = findInstance(c, name);
      let runState: string | null = null;
      if (!p.static) {
        const node = c.nodes[inst.pnode];
        const status =
          node && !node.offline ? await (await s.nodes.connection(node)).status(name) : null;
        runState = status?.active ? 'up' : 'down';
      }
      out[name] = {
        name,
        config_state: inst.admin_state,
        run_state: runState,
        pnode: inst.pnode,
        snodes: [],
        os: inst.os,
        uuid: inst.uuid,
        hypervisor: inst.hypervisor,
        network_port: inst.network_port,
        hv_instance: inst.hvparams,
        hv_actual: fillHvparams(c.cluster, inst.hvparams),
        be_instance: inst.beparams,
        be_actual: fillBeparams(c.cluster, inst.beparams),
        os_instance: inst.osparams,
        os_actual: inst.osparams,
        disk_template: inst.disk_template,
        disks: inst.disks.map((d, i) => ({
          iv_name: `disk/${i}`,
          dev_type: inst.disk_template,
          logical_id: [inst.disk_template, d.path],
          size: d.size,
          mode: d.mode,
          name: d.name,
          uuid: d.uuid,
          pstatus: null,
          sstatus: null,
          children: [],
        })),
        nics: inst.nics.map((n) => [
          n.name,
          n.uuid,
          n.ip,
          n.mac,
          { mode: n.mode, link: n.link, vlan: n.vlan },
          n.network,
        ]),
        ctime: inst.ctime,
        mtime: inst.mtime,
      };
    }
    return out;
  },
};
