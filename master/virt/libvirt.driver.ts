import type {
  HostInfo,
  DomainRunState,
  DomainStatus,
  HypervisorConnection,
  HypervisorFactory,
} from './hypervisor.interface';

// The package's `types` field points at a missing file; its declarations sit beside the code.
type LibvirtModule = typeof import('@unraid/libvirt/dist/index.js');
const LIBVIRT_PACKAGE = '@unraid/libvirt';
type NativeHypervisor = InstanceType<LibvirtModule['Hypervisor']>;

let loaded: Promise<LibvirtModule> | null = null;

/** `@unraid/libvirt` is ESM-only: a real dynamic import (swc keeps it as is). */
function loadLibvirt(): Promise<LibvirtModule> {
  loaded ??= import(LIBVIRT_PACKAGE) as Promise<LibvirtModule>;
  return loaded;
}

const STATES: DomainRunState[] = [
  'nostate',
  'running',
  'blocked',
  'paused',
  'shutdown',
  'shutoff',
  'crashed',
  'pmsuspended',
];

function isNoDomain(err: unknown): boolean {
  return err instanceof Error && /domain not found|no domain with matching/i.test(err.message);
}

function isNotRunning(err: unknown): boolean {
  return (
    err instanceof Error && /not running|is not active|domain is not running/i.test(err.message)
  );
}

/** One libvirt connection through the N-API binding (promises, no event API: callers poll). */
class LibvirtConnection implements HypervisorConnection {
  constructor(
    readonly uri: string,
    private readonly hv: NativeHypervisor,
  ) {}

  async hostInfo(): Promise<HostInfo> {
    const info = await this.hv.nodeGetInfo();
    const hostname = await this.hv.connectGetHostname();
    return { cpus: info.cpus, memoryMiB: Math.floor(info.memory / 1024), hostname };
  }

  async define(xml: string): Promise<void> {
    await this.hv.domainDefineXML(xml);
  }

  async start(name: string): Promise<void> {
    await this.hv.domainCreate(await this.hv.domainLookupByName(name));
  }

  async shutdown(name: string): Promise<void> {
    await this.hv.domainShutdown(await this.hv.domainLookupByName(name));
  }

  async destroy(name: string): Promise<void> {
    try {
      await this.hv.domainDestroy(await this.hv.domainLookupByName(name));
    } catch (err) {
      if (!isNoDomain(err) && !isNotRunning(err)) throw err;
    }
  }

  async undefine(name: string): Promise<void> {
    try {
      await this.hv.domainUndefine(await this.hv.domainLookupByName(name));
    } catch (err) {
      if (!isNoDomain(err)) throw err;
    }
  }

  async status(name: string): Promise<DomainStatus | null> {
    try {
      const d = await this.hv.domainLookupByName(name);
      return toStatus(await this.hv.domainGetInfo(d));
    } catch (err) {
      if (isNoDomain(err)) return null;
      throw err;
    }
  }

  async list(): Promise<Map<string, DomainStatus>> {
    const out = new Map<string, DomainStatus>();
    for (const d of await this.hv.connectListAllDomains()) {
      try {
        const [name, info] = await Promise.all([
          this.hv.domainGetName(d),
          this.hv.domainGetInfo(d),
        ]);
        out.set(name, toStatus(info));
      } catch (err) {
        // Undefined between the listing and the look-up: it is simply gone.
        if (!isNoDomain(err)) throw err;
      }
    }
    return out;
  }

  async xml(name: string): Promise<string | null> {
    try {
      return await this.hv.domainGetXMLDesc(await this.hv.domainLookupByName(name));
    } catch (err) {
      if (isNoDomain(err)) return null;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.hv.connectClose();
  }
}

function toStatus(info: { state: number; maxMem: number; nrVirtCpu: number }): DomainStatus {
  const state = STATES[info.state] ?? 'nostate';
  return {
    state,
    active: state !== 'shutoff' && state !== 'crashed' && state !== 'nostate',
    memoryMiB: Math.floor(info.maxMem / 1024),
    vcpus: info.nrVirtCpu,
  };
}

export class LibvirtFactory implements HypervisorFactory {
  async connect(uri: string): Promise<HypervisorConnection> {
    const { Hypervisor } = await loadLibvirt();
    const hv = new Hypervisor({ uri });
    await hv.connectOpen();
    return new LibvirtConnection(uri, hv);
  }
}
