import {
  RapiClient,
  RapiError,
  type NicInfo,
  type DiskInfo,
  type RapiInstance,
} from '@nefos/contracts';

export interface InstanceDetails {
  nics: NicInfo[];
  disks: DiskInfo[];
  beparams: Record<string, unknown>;
  hvparams: Record<string, unknown>;
  pnode?: string;
}

function at<T>(list: unknown, i: number): T | null {
  return Array.isArray(list) && i < list.length ? ((list[i] as T) ?? null) : null;
}

/** RAPI's parallel `nic.*` / `disk.*` lists as one object per NIC and per disk. */
export function instanceDetails(inst: RapiInstance): InstanceDetails {
  const raw = inst as unknown as Record<string, unknown>;
  const macs = Array.isArray(raw['nic.macs']) ? (raw['nic.macs'] as unknown[]) : [];
  const nics: NicInfo[] = macs.map((mac, i) => ({
    index: i,
    mac: typeof mac === 'string' ? mac : null,
    ip: at<string>(raw['nic.ips'], i),
    network: at<string>(raw['nic.networks'], i),
    networkName: at<string>(raw['nic.networks.names'], i),
    name: at<string>(raw['nic.names'], i),
    uuid: at<string>(raw['nic.uuids'], i),
    mode: at<string>(raw['nic.modes'], i),
    link: at<string>(raw['nic.links'], i),
  }));
  const sizes = Array.isArray(raw['disk.sizes']) ? (raw['disk.sizes'] as unknown[]) : [];
  const disks: DiskInfo[] = sizes.map((size, i) => ({
    index: i,
    size: typeof size === 'number' ? size : 0,
    name: at<string>(raw['disk.names'], i),
    uuid: at<string>(raw['disk.uuids'], i),
  }));
  return {
    nics,
    disks,
    beparams: (inst.beparams ?? {}) as Record<string, unknown>,
    hvparams: (inst.hvparams ?? {}) as Record<string, unknown>,
    pnode: typeof inst.pnode === 'string' ? inst.pnode : undefined,
  };
}

/**
 * Reads an instance back after a successful create/startup/modify. A missing instance (removed
 * since) is `null`; an unreachable master is retried, then also `null` (the event still goes out,
 * without details; reconciliation syncs NICs later).
 */
export class InstanceReader {
  constructor(
    private readonly rapi: RapiClient | null,
    private readonly attempts = 3,
  ) {}

  get enabled(): boolean {
    return this.rapi !== null;
  }

  async read(name: string): Promise<{ details: InstanceDetails | null; error?: string }> {
    if (!this.rapi) return { details: null, error: 'no RAPI credentials' };
    let lastError = '';
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      try {
        return { details: instanceDetails(await this.rapi.getInstance(name)) };
      } catch (err) {
        if (err instanceof RapiError && err.status === 404) {
          return { details: null, error: 'instance no longer exists' };
        }
        lastError = (err as Error).message;
        if (err instanceof RapiError && err.kind === 'http' && err.status !== 503) break;
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
    return { details: null, error: lastError };
  }
}
