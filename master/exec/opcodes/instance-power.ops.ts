import { z } from 'zod';
import { OpCode } from '@nefos/contracts';
import { OpPrereqError } from '../../common/ganeti-errors';
import { touch } from '../../cluster/cluster-config.store';
import type { InstanceConfig } from '../../cluster/cluster-config.types';
import {
  findInstance,
  instanceHookEnv,
  onlineNode,
  runPostHooks,
  runPreHooks,
  startDomain,
  stopDomain,
} from './instance-runtime';
import { lockOf, type OpContext, type OpDefinition } from './op.types';
import { instanceName } from './schemas';

const instanceLocks = (
  p: { instance_name: string },
  c: { instances: Record<string, InstanceConfig> },
) => {
  const inst = c.instances[p.instance_name];
  return [lockOf.instance(p.instance_name), ...(inst ? [lockOf.node(inst.pnode, true)] : [])];
};

async function isActive(ctx: OpContext, inst: InstanceConfig): Promise<boolean> {
  const node = onlineNode(ctx.services.config.get(), inst);
  const conn = await ctx.services.nodes.connection(node);
  return Boolean((await conn.status(inst.name))?.active);
}

function setAdminState(
  ctx: OpContext,
  name: string,
  state: InstanceConfig['admin_state'],
  source: 'admin' | 'user',
  result: unknown,
): void {
  ctx.commit((c) => {
    const inst = c.instances[name];
    inst.admin_state = state;
    inst.admin_state_source = source;
    touch(inst);
  }, result);
}

const startupSchema = z
  .object({
    instance_name: instanceName,
    force: z.boolean().optional(),
    ignore_offline_nodes: z.boolean().optional(),
    no_remember: z.boolean().optional(),
    startup_paused: z.boolean().optional(),
    beparams: z.record(z.unknown()).optional(),
    hvparams: z.record(z.unknown()).optional(),
  })
  .strict();

export const instanceStartupOp: OpDefinition<z.infer<typeof startupSchema>> = {
  id: OpCode.InstanceStartup,
  schema: startupSchema,
  locks: instanceLocks,
  async run(ctx, p) {
    const inst = findInstance(ctx.services.config.get(), p.instance_name);
    if (inst.admin_state === 'offline') {
      throw new OpPrereqError(`Instance '${inst.name}' is marked offline`, 'wrong_state');
    }
    const active = await isActive(ctx, inst);
    if (active && inst.admin_state === 'up') {
      throw new OpPrereqError(`Instance '${inst.name}' is already running`, 'wrong_state');
    }
    if (ctx.dryRun) return null;
    const hook = { hpath: 'instance-start', objectType: 'INSTANCE' as const, opId: this.id };
    const preEnv = instanceHookEnv(ctx.services.config.get(), inst, { FORCE: Boolean(p.force) });
    await runPreHooks(ctx, hook, preEnv);
    await startDomain(ctx, inst);
    if (!p.no_remember) setAdminState(ctx, inst.name, 'up', 'admin', null);
    const after = findInstance(ctx.services.config.get(), inst.name);
    await runPostHooks(
      ctx,
      hook,
      preEnv,
      instanceHookEnv(ctx.services.config.get(), after, { FORCE: Boolean(p.force) }),
    );
    return null;
  },
};

const shutdownSchema = z
  .object({
    instance_name: instanceName,
    timeout: z.number().int().min(0).optional(),
    force: z.boolean().optional(),
    ignore_offline_nodes: z.boolean().optional(),
    no_remember: z.boolean().optional(),
    admin_state_source: z.enum(['admin', 'user']).optional(),
  })
  .strict();

export const instanceShutdownOp: OpDefinition<z.infer<typeof shutdownSchema>> = {
  id: OpCode.InstanceShutdown,
  schema: shutdownSchema,
  locks: instanceLocks,
  async run(ctx, p) {
    const s = ctx.services;
    const inst = findInstance(s.config.get(), p.instance_name);
    const active = await isActive(ctx, inst);
    if (!active && inst.admin_state !== 'up') {
      throw new OpPrereqError(`Instance '${inst.name}' is not running`, 'wrong_state');
    }
    if (ctx.dryRun) return null;
    const timeout = p.timeout ?? s.settings.master.shutdownTimeoutSeconds;
    const hook = { hpath: 'instance-stop', objectType: 'INSTANCE' as const, opId: this.id };
    const preEnv = instanceHookEnv(s.config.get(), inst, { TIMEOUT: timeout });
    await runPreHooks(ctx, hook, preEnv);
    await stopDomain(ctx, inst, timeout);
    if (!p.no_remember)
      setAdminState(ctx, inst.name, 'down', p.admin_state_source ?? 'admin', null);
    const after = findInstance(s.config.get(), inst.name);
    await runPostHooks(
      ctx,
      hook,
      preEnv,
      instanceHookEnv(s.config.get(), after, { TIMEOUT: timeout }),
    );
    return null;
  },
};

const rebootSchema = z
  .object({
    instance_name: instanceName,
    reboot_type: z.enum(['soft', 'hard', 'full']),
    ignore_secondaries: z.boolean().optional(),
    shutdown_timeout: z.number().int().min(0).optional(),
  })
  .strict();

export const instanceRebootOp: OpDefinition<z.infer<typeof rebootSchema>> = {
  id: OpCode.InstanceReboot,
  schema: rebootSchema,
  locks: instanceLocks,
  async run(ctx, p) {
    const s = ctx.services;
    const inst = findInstance(s.config.get(), p.instance_name);
    if (inst.admin_state !== 'up') {
      throw new OpPrereqError(
        `Instance '${inst.name}' is marked to be down, cannot reboot`,
        'wrong_state',
      );
    }
    onlineNode(s.config.get(), inst);
    if (ctx.dryRun) return null;
    const timeout = p.shutdown_timeout ?? s.settings.master.shutdownTimeoutSeconds;
    const hook = { hpath: 'instance-reboot', objectType: 'INSTANCE' as const, opId: this.id };
    const extra = { INSTANCE_REBOOT_TYPE: p.reboot_type, SHUTDOWN_TIMEOUT: timeout };
    const preEnv = instanceHookEnv(s.config.get(), inst, extra);
    await runPreHooks(ctx, hook, preEnv);
    // soft: ACPI power button then start; hard: pull the plug then start; full: a complete
    // stop and start from the current config (both re-read the definition on start).
    await stopDomain(ctx, inst, p.reboot_type === 'hard' ? 0 : timeout);
    await startDomain(ctx, inst);
    ctx.log(`Instance ${inst.name} rebooted (${p.reboot_type})`);
    ctx.commit((c) => touch(c.instances[inst.name]), null);
    await runPostHooks(ctx, hook, preEnv, instanceHookEnv(s.config.get(), inst, extra));
    return null;
  },
};

const removeSchema = z
  .object({
    instance_name: instanceName,
    ignore_failures: z.boolean().optional(),
    shutdown_timeout: z.number().int().min(0).optional(),
  })
  .strict();

export const instanceRemoveOp: OpDefinition<z.infer<typeof removeSchema>> = {
  id: OpCode.InstanceRemove,
  schema: removeSchema,
  locks: instanceLocks,
  async run(ctx, p) {
    const s = ctx.services;
    const c = s.config.get();
    const inst = findInstance(c, p.instance_name);
    const node = c.nodes[inst.pnode];
    if (node?.offline && !p.ignore_failures) {
      throw new OpPrereqError(`Can't use offline node ${node.name}`, 'wrong_state');
    }
    if (ctx.dryRun) return null;
    const hook = { hpath: 'instance-remove', objectType: 'INSTANCE' as const, opId: this.id };
    const preEnv = instanceHookEnv(c, inst);
    await runPreHooks(ctx, hook, preEnv);
    if (node && !node.offline) {
      await stopDomain(ctx, inst, p.shutdown_timeout ?? s.settings.master.shutdownTimeoutSeconds);
      const conn = await s.nodes.connection(node);
      await conn.undefine(inst.name);
      s.nodes.noteDomain(node.name, inst.name, null);
      s.disks.removeInstance(node.name, inst.name);
      ctx.log(`Removed the domain and disks of ${inst.name} on ${node.name}`);
    }
    ctx.commit((cfg) => {
      delete cfg.instances[inst.name];
    }, null);
    await runPostHooks(ctx, hook, preEnv, preEnv);
    return null;
  },
};
