/** What the master needs from a hypervisor connection (one per node). */

export type DomainRunState =
  'running' | 'blocked' | 'paused' | 'shutdown' | 'shutoff' | 'crashed' | 'pmsuspended' | 'nostate';

export interface DomainStatus {
  state: DomainRunState;
  /** True while a guest exists in memory (running, paused, being shut down...). */
  active: boolean;
  memoryMiB: number;
  vcpus: number;
}

export interface HostInfo {
  cpus: number;
  memoryMiB: number;
  hostname: string;
}

export interface HypervisorConnection {
  readonly uri: string;
  hostInfo(): Promise<HostInfo>;
  /** Defines (or redefines) a persistent domain from XML. */
  define(xml: string): Promise<void>;
  start(name: string): Promise<void>;
  /** Sends the ACPI power button; returns at once. */
  shutdown(name: string): Promise<void>;
  /** Pulls the plug. Not an error when the domain is already off. */
  destroy(name: string): Promise<void>;
  /** Removes the definition. Not an error when the domain does not exist. */
  undefine(name: string): Promise<void>;
  /** Null when no such domain is defined. */
  status(name: string): Promise<DomainStatus | null>;
  /** Every domain on the node by name. */
  list(): Promise<Map<string, DomainStatus>>;
  /** Live XML (with the VNC port libvirt chose), null when undefined. */
  xml(name: string): Promise<string | null>;
  close(): Promise<void>;
}

export interface HypervisorFactory {
  connect(uri: string): Promise<HypervisorConnection>;
}
