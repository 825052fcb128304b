import { OpPrereqError } from '../../common/ganeti-errors';
import type { ClusterSettings } from '../../cluster/cluster-config.types';

/** Cluster-wide defaults (Ganeti's beparams/nicparams/hvparams for the KVM-style hypervisor). */
export const DEFAULT_BEPARAMS = {
  vcpus: 1,
  maxmem: 128,
  minmem: 128,
  auto_balance: true,
  always_failover: false,
  spindle_use: 1,
};
export const DEFAULT_NICPARAMS = { mode: 'routed', link: '', vlan: '' };
export const DEFAULT_HVPARAMS: Record<string, string | boolean> = {
  acpi: true,
  kernel_path: '',
  initrd_path: '',
  kernel_args: '',
  disk_type: 'paravirtual',
  nic_type: 'paravirtual',
  machine_version: '',
  cpu_type: '',
  vnc_bind_address: '',
  serial_console: true,
  boot_order: 'disk',
  reboot_behavior: 'reboot',
};

const DISK_TYPES = { paravirtual: 'virtio', ide: 'ide', scsi: 'scsi' } as const;
const NIC_TYPES: Record<string, string> = {
  paravirtual: 'virtio',
  e1000: 'e1000',
  rtl8139: 'rtl8139',
  ne2k_pci: 'ne2k_pci',
  i82551: 'i82551',
  i82557b: 'i82557b',
  i82559er: 'i82559er',
  pcnet: 'pcnet',
};

/** Checks custom beparams (MiB, vCPUs) and returns them with `memory` folded into max/minmem. */
export function checkBeparams(custom: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(custom)) {
    if (k === 'memory') {
      out.maxmem = out.minmem = positiveInt(k, v);
    } else if (k === 'vcpus' || k === 'maxmem' || k === 'minmem' || k === 'spindle_use') {
      out[k] = positiveInt(k, v);
    } else if (k === 'auto_balance' || k === 'always_failover') {
      if (typeof v !== 'boolean') throw invalid(`Backend parameter '${k}' must be a boolean`);
      out[k] = v;
    } else {
      throw invalid(`Unknown backend parameter '${k}'`);
    }
  }
  return out;
}

export function fillBeparams(
  cluster: ClusterSettings,
  custom: Record<string, unknown>,
): { vcpus: number; maxmem: number; minmem: number } & Record<string, unknown> {
  const filled = { ...DEFAULT_BEPARAMS, ...cluster.beparams, ...custom } as {
    vcpus: number;
    maxmem: number;
    minmem: number;
  } & Record<string, unknown>;
  if ('maxmem' in custom && !('minmem' in custom) && filled.minmem > filled.maxmem) {
    filled.minmem = filled.maxmem;
  }
  if (filled.minmem > filled.maxmem) {
    throw invalid(
      `Minimum memory (${filled.minmem}) cannot exceed maximum memory (${filled.maxmem})`,
    );
  }
  return filled;
}

export function checkHvparams(custom: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(custom)) {
    if (!(k in DEFAULT_HVPARAMS)) throw invalid(`Unknown hypervisor parameter '${k}'`);
    if (typeof DEFAULT_HVPARAMS[k] === 'boolean' ? typeof v !== 'boolean' : typeof v !== 'string') {
      throw invalid(`Hypervisor parameter '${k}' has the wrong type`);
    }
  }
  if (custom.disk_type !== undefined && !(String(custom.disk_type) in DISK_TYPES)) {
    throw invalid(`Invalid disk_type '${custom.disk_type}'`);
  }
  if (custom.nic_type !== undefined && !(String(custom.nic_type) in NIC_TYPES)) {
    throw invalid(`Invalid nic_type '${custom.nic_type}'`);
  }
  return custom;
}

export function fillHvparams(
  cluster: ClusterSettings,
  custom: Record<string, unknown>,
): typeof DEFAULT_HVPARAMS {
  return {
    ...DEFAULT_HVPARAMS,
    ...(cluster.hvparams as object),
    ...custom,
  } as typeof DEFAULT_HVPARAMS;
}

export function diskBus(hv: Record<string, unknown>): 'virtio' | 'ide' | 'scsi' {
  return DISK_TYPES[String(hv.disk_type) as keyof typeof DISK_TYPES] ?? 'virtio';
}

export function nicModel(hv: Record<string, unknown>): string {
  return NIC_TYPES[String(hv.nic_type)] ?? 'virtio';
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw invalid(`Backend parameter '${name}' must be a positive integer`);
  }
  return v;
}

function invalid(message: string): OpPrereqError {
  return new OpPrereqError(message, 'wrong_input');
}
