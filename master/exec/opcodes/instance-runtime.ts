import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OpExecError, OpPrereqError, HooksAbort } from '../../common/ganeti-errors';
import type {
  ClusterConfigData,
  InstanceConfig,
  NodeConfig,
} from '../../cluster/cluster-config.types';
import { domainXml, type DomainSpec } from '../../virt/domain-xml';
import type { HypervisorConnection } from '../../virt/hypervisor.interface';
import { diskBus, fillBeparams, fillHvparams, nicModel } from './params';
import type { MasterServices, OpContext } from './op.types';

export function findInstance(c: Readonly<ClusterConfigData>, name: string): InstanceConfig {
  const inst = c.instances[name];
  if (!inst) throw new OpPrereqError(`Instance '${name}' not known`, 'unknown_entity');
  return inst;
}

export function findNode(c: Readonly<ClusterConfigData>, name: string): NodeConfig {
  const node = c.nodes[name];
  if (!node) throw new OpPrereqError(`Node '${name}' not known`, 'unknown_entity');
  return node;
}

/** The instance's primary node, refusing offline nodes as Ganeti does. */
export function onlineNode(c: Readonly<ClusterConfigData>, inst: InstanceConfig): NodeConfig {
  const node = findNode(c, inst.pnode);
  if (node.offline) {
    throw new OpPrereqError(`Can't use offline node ${node.name}`, 'wrong_state');
  }
  return node;
}

export function tapName(inst: InstanceConfig, index: number): string {
  return `nf${inst.uuid.replace(/-/g, '').slice(0, 10)}${index}`;
}

/** The libvirt domain an instance runs as on its node. */
export function domainSpec(
  s: MasterServices,
  c: Readonly<ClusterConfigData>,
  inst: InstanceConfig,
  node: NodeConfig,
): DomainSpec {
  const be = fillBeparams(c.cluster, inst.beparams);
  const hv = fillHvparams(c.cluster, inst.hvparams);
  const img = inst.image;
  const kernel = String(hv.kernel_path) || (img?.kind === 'kernel' ? join(img.dir, 'vmlinuz') : '');
  const initrd =
    String(hv.initrd_path) || (img?.kind === 'kernel' ? join(img.dir, 'initrd.img') : '');
  const dir = s.disks.instanceDir(node.name, inst.name);
  return {
    name: inst.name,
    uuid: inst.uuid,
    domainType: s.hypervisor === 'test' ? 'test' : s.virtType,
    memoryMiB: be.maxmem,
    vcpus: be.vcpus,
    boot: kernel
      ? {
          kind: 'kernel',
          kernel,
          initrd: initrd || null,
          cmdline:
            String(hv.kernel_args) ||
            String(inst.osparams.kernel_cmdline ?? '') ||
            imageCmdline(inst),
        }
      : { kind: 'disk' },
    acpi: hv.acpi !== false,
    machine: String(hv.machine_version),
    cpuModel: String(hv.cpu_type),
    disks: inst.disks.map((d) => ({
      path: d.path,
      format: d.path.endsWith('.qcow2') ? 'qcow2' : 'raw',
      bus: diskBus(hv),
      readonly: d.mode === 'ro',
    })),
    nics: inst.nics.map((n, i) => ({
      mac: n.mac,
      mode: n.mode,
      link: n.link,
      tap: tapName(inst, i),
      model: nicModel(hv),
    })),
    vnc: { listen: String(hv.vnc_bind_address) || node.primary_ip, port: inst.network_port },
    serialLog: hv.serial_console === false ? null : join(dir, 'serial.log'),
  };
}

function imageCmdline(inst: InstanceConfig): string {
  return inst.image?.kind === 'kernel' ? 'console=tty0 console=ttyS0' : '';
}

/** (Re)defines the domain from the config: a changed instance runs with its new parameters. */
export async function defineDomain(
  s: MasterServices,
  c: Readonly<ClusterConfigData>,
  inst: InstanceConfig,
): Promise<HypervisorConnection> {
  const node = onlineNode(c, inst);
  const conn = await s.nodes.connection(node);
  mkdirSync(s.disks.instanceDir(node.name, inst.name), { recursive: true });
  await conn.define(domainXml(domainSpec(s, c, inst, node)));
  return conn;
}

export async function startDomain(ctx: OpContext, inst: InstanceConfig): Promise<void> {
  const s = ctx.services;
  const c = s.config.get();
  const conn = await defineDomain(s, c, inst);
  const status = await conn.status(inst.name);
  if (status?.active) return;
  try {
    await conn.start(inst.name);
  } catch (err) {
    throw new OpExecError(`Could not start instance ${inst.name}: ${(err as Error).message}`);
  }
  s.nodes.noteDomain(inst.pnode, inst.name, await conn.status(inst.name));
  ctx.log(`Instance ${inst.name} started on ${inst.pnode}`);
}

/** ACPI power button, wait up to `timeoutSeconds`, then pull the plug (Ganeti's shutdown). */
export async function stopDomain(
  ctx: OpContext,
  inst: InstanceConfig,
  timeoutSeconds: number,
): Promise<void> {
  const s = ctx.services;
  const node = findNode(s.config.get(), inst.pnode);
  if (node.offline) return;
  const conn = await s.nodes.connection(node);
  let status = await conn.status(inst.name);
  if (!status?.active) return;
  if (timeoutSeconds > 0) {
    await conn
      .shutdown(inst.name)
      .catch((err: Error) => ctx.log(`ACPI shutdown failed: ${err.message}`));
    const deadline = Date.now() + timeoutSeconds * 1000;
    while (Date.now() < deadline) {
      status = await conn.status(inst.name);
      if (!status?.active) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  if (status?.active) {
    ctx.log(`Instance ${inst.name} did not shut down in ${timeoutSeconds} s; destroying it`);
    await conn.destroy(inst.name);
  }
  s.nodes.noteDomain(inst.pnode, inst.name, await conn.status(inst.name));
  ctx.log(`Instance ${inst.name} stopped`);
}

// ---- hooks ----

export type HookEnv = Record<string, string>;

/** The instance part of a hook environment (keys without the GANETI_ prefix). */
export function instanceHookEnv(
  c: Readonly<ClusterConfigData>,
  inst: InstanceConfig,
  extra: Record<string, string | number | boolean> = {},
): HookEnv {
  const be = fillBeparams(c.cluster, inst.beparams);
  const hv = fillHvparams(c.cluster, inst.hvparams);
  const env: HookEnv = {
    INSTANCE_NAME: inst.name,
    INSTANCE_PRIMARY: inst.pnode,
    INSTANCE_SECONDARIES: '',
    INSTANCE_OS_TYPE: inst.os,
    INSTANCE_STATUS: inst.admin_state,
    INSTANCE_MEMORY: String(be.maxmem),
    INSTANCE_MAXMEM: String(be.maxmem),
    INSTANCE_MINMEM: String(be.minmem),
    INSTANCE_VCPUS: String(be.vcpus),
    INSTANCE_DISK_TEMPLATE: inst.disk_template,
    INSTANCE_HYPERVISOR_NAME: inst.hypervisor,
    INSTANCE_NIC_COUNT: String(inst.nics.length),
    INSTANCE_DISK_COUNT: String(inst.disks.length),
    INSTANCE_TAGS: inst.tags.join(' '),
  };
  inst.nics.forEach((n, i) => {
    const net = n.network ? Object.values(c.networks).find((x) => x.uuid === n.network) : undefined;
    env[`INSTANCE_NIC${i}_MAC`] = n.mac;
    env[`INSTANCE_NIC${i}_IP`] = n.ip ?? '';
    env[`INSTANCE_NIC${i}_MODE`] = n.mode;
    env[`INSTANCE_NIC${i}_LINK`] = n.link;
    env[`INSTANCE_NIC${i}_NAME`] = n.name ?? '';
    env[`INSTANCE_NIC${i}_UUID`] = n.uuid;
    env[`INSTANCE_NIC${i}_NETWORK_NAME`] = net?.name ?? '';
    env[`INSTANCE_NIC${i}_NETWORK_UUID`] = n.network ?? '';
    if (n.mode === 'bridged') env[`INSTANCE_NIC${i}_BRIDGE`] = n.link;
  });
  inst.disks.forEach((d, i) => {
    env[`INSTANCE_DISK${i}_SIZE`] = String(d.size);
    env[`INSTANCE_DISK${i}_MODE`] = d.mode;
    env[`INSTANCE_DISK${i}_NAME`] = d.name ?? '';
    env[`INSTANCE_DISK${i}_UUID`] = d.uuid;
  });
  for (const [k, v] of Object.entries(be)) env[`INSTANCE_BE_${k}`] = String(v);
  for (const [k, v] of Object.entries(hv)) env[`INSTANCE_HV_${k}`] = String(v);
  for (const [k, v] of Object.entries(extra)) env[k] = String(v);
  return env;
}

export interface HookSpec {
  hpath: string;
  objectType: 'INSTANCE' | 'NODE' | 'NETWORK' | 'CLUSTER';
  opId: string;
}

function baseEnv(s: MasterServices, spec: HookSpec, phase: 'pre' | 'post'): HookEnv {
  const c = s.config.get();
  return {
    GANETI_HOOKS_VERSION: '2',
    GANETI_HOOKS_PHASE: phase,
    GANETI_HOOKS_PATH: spec.hpath,
    GANETI_OP_CODE: spec.opId,
    GANETI_OBJECT_TYPE: spec.objectType,
    GANETI_CLUSTER: c.cluster.name,
    GANETI_MASTER: c.cluster.master_node,
    GANETI_DATA_DIR: s.settings.dataDir,
  };
}

const prefixed = (prefix: string, env: HookEnv): HookEnv =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [`${prefix}${k}`, v]));

/** Pre hooks: any failure aborts the opcode, with every failing script's output in the log. */
export async function runPreHooks(ctx: OpContext, spec: HookSpec, env: HookEnv): Promise<void> {
  const s = ctx.services;
  const results = await s.hooks.run(spec.hpath, 'pre', {
    ...baseEnv(s, spec, 'pre'),
    ...prefixed('GANETI_', env),
  });
  const failed = results.filter((r) => r.status === 'fail');
  for (const r of failed) {
    ctx.log(
      `Pre hook ${spec.hpath}/${r.script} failed on ${s.config.get().cluster.master_node}: ${r.output.trim() || '(no output)'}`,
    );
  }
  if (failed.length) {
    const master = s.config.get().cluster.master_node;
    throw new HooksAbort(failed.map((r) => [master, r.script, r.output]));
  }
}

/** Post hooks get the pre environment plus GANETI_POST_* copies; failures are only logged. */
export async function runPostHooks(
  ctx: OpContext,
  spec: HookSpec,
  preEnv: HookEnv,
  postEnv: HookEnv,
): Promise<void> {
  const s = ctx.services;
  const results = await s.hooks.run(spec.hpath, 'post', {
    ...baseEnv(s, spec, 'post'),
    ...prefixed('GANETI_', preEnv),
    ...prefixed('GANETI_POST_', postEnv),
  });
  for (const r of results.filter((x) => x.status === 'fail')) {
    ctx.log(`Post hook ${spec.hpath}/${r.script} failed: ${r.output.trim() || '(no output)'}`);
  }
}
