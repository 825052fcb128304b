import type { Logger, NefosConfig } from '@nefos/contracts';
import type { z } from 'zod';
import type { ClusterConfigStore } from '../../cluster/cluster-config.store';
import type { ClusterConfigData } from '../../cluster/cluster-config.types';
import type { HooksRunner } from '../../hooks/hooks.runner';
import type { NodeRegistry } from '../../nodes/node.registry';
import type { OpInput } from '../../queue/job.types';
import type { DiskStore } from '../../storage/disk.store';
import type { ImageStore } from '../../storage/image.store';
import type { Allocator } from '../allocator';
import type { LockManager, LockRequest } from '../lock.manager';

/** Everything an opcode may use. */
export interface MasterServices {
  settings: NefosConfig;
  hypervisor: 'qemu' | 'test';
  virtType: 'kvm' | 'qemu';
  config: ClusterConfigStore;
  nodes: NodeRegistry;
  hooks: HooksRunner;
  images: ImageStore;
  disks: DiskStore;
  allocator: Allocator;
  locks: LockManager;
  logger: Logger;
  /** Submits a job (the watcher uses it to record guest-initiated shutdowns). */
  submit(inputs: OpInput[]): number;
}

export interface OpContext {
  jobId: number;
  opIndex: number;
  dryRun: boolean;
  services: MasterServices;
  signal: AbortSignal;
  /** Appends a line to the op's log in the job file. */
  log(message: string): void;
  /** Takes more locks for the rest of the op. */
  lock(requests: LockRequest[]): Promise<void>;
  release(names: string[]): void;
  /** Changes the cluster config and records the op's result in the same atomic write. */
  commit<T>(mutate: (c: ClusterConfigData) => T, result: unknown): T;
}

export interface OpDefinition<P = Record<string, unknown>> {
  id: string;
  /** Parameters of the opcode (besides the common ones); unknown keys are refused. */
  schema: z.ZodType<P, z.ZodTypeDef, unknown>;
  locks(params: P, config: Readonly<ClusterConfigData>): LockRequest[];
  run(ctx: OpContext, params: P): Promise<unknown>;
  /** Undoes half-done work of an op found running after a crash (before it is marked error). */
  rollback?(services: MasterServices, params: P, jobId: number): Promise<void>;
}

export const lockOf = {
  instance: (name: string, shared = false): LockRequest => ({ name: `instance/${name}`, shared }),
  node: (name: string, shared = false): LockRequest => ({ name: `node/${name}`, shared }),
  network: (name: string, shared = false): LockRequest => ({ name: `network/${name}`, shared }),
  group: (name: string, shared = false): LockRequest => ({ name: `group/${name}`, shared }),
  cluster: (shared = false): LockRequest => ({ name: 'cluster', shared }),
  allocation: (): LockRequest => ({ name: 'node-allocation' }),
};
