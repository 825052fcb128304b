import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  rmSync,
  statfsSync,
  truncateSync,
  openSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OpExecError, OpPrereqError } from '../common/ganeti-errors';
import type { ResolvedImage } from './image.store';

const run = promisify(execFile);

export interface CreatedDisk {
  path: string;
  format: 'qcow2' | 'raw';
}

/**
 * Disk files of the `file` template in a per-node storage dir: qcow2 overlays of the image for
 * disk images, empty qcow2 (or sparse raw without qemu-img, as with the test driver) otherwise.
 */
export class DiskStore {
  constructor(
    readonly storageDir: string,
    private readonly useQemuImg: boolean,
  ) {}

  instanceDir(node: string, instance: string): string {
    return join(this.storageDir, node, instance);
  }

  nodeDir(node: string): string {
    const dir = join(this.storageDir, node);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Total and free MiB of the filesystem holding the node's storage dir. */
  space(node: string): { totalMiB: number; freeMiB: number } {
    const s = statfsSync(this.nodeDir(node));
    return {
      totalMiB: Math.floor((s.blocks * s.bsize) / 1048576),
      freeMiB: Math.floor((s.bavail * s.bsize) / 1048576),
    };
  }

  async create(
    node: string,
    instance: string,
    index: number,
    sizeMiB: number,
    image: ResolvedImage | null,
  ): Promise<CreatedDisk> {
    const dir = this.instanceDir(node, instance);
    mkdirSync(dir, { recursive: true });
    const base = index === 0 && image && image.kind !== 'kernel' ? image : null;
    if (!this.useQemuImg) {
      const path = join(dir, `disk${index}.raw`);
      closeSync(openSync(path, 'w'));
      truncateSync(path, sizeMiB * 1048576);
      return { path, format: 'raw' };
    }
    const path = join(dir, `disk${index}.qcow2`);
    const args = ['create', '-q', '-f', 'qcow2'];
    if (base) {
      const virtual = await this.virtualSizeMiB(base.disk!, base.kind);
      if (sizeMiB < virtual) {
        throw new OpPrereqError(
          `Disk 0 (${sizeMiB} MiB) is smaller than image '${base.id}' (${virtual} MiB)`,
          'wrong_input',
        );
      }
      args.push('-b', base.disk!, '-F', base.kind);
    }
    args.push(path, `${sizeMiB}M`);
    await this.qemuImg(args);
    return { path, format: 'qcow2' };
  }

  async grow(path: string, newSizeMiB: number): Promise<void> {
    if (path.endsWith('.qcow2')) await this.qemuImg(['resize', '-q', path, `${newSizeMiB}M`]);
    else truncateSync(path, newSizeMiB * 1048576);
  }

  removeFile(path: string): void {
    rmSync(path, { force: true });
  }

  removeInstance(node: string, instance: string): void {
    rmSync(this.instanceDir(node, instance), { recursive: true, force: true });
  }

  exists(path: string): boolean {
    return existsSync(path);
  }

  private async virtualSizeMiB(file: string, format: string): Promise<number> {
    const { stdout } = await this.qemuImg(['info', '--output=json', '-f', format, file]);
    return Math.ceil((JSON.parse(stdout) as { 'virtual-size': number })['virtual-size'] / 1048576);
  }

  private async qemuImg(args: string[]): Promise<{ stdout: string }> {
    try {
      return await run('qemu-img', args, { timeout: 120000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new OpExecError(`qemu-img ${args[0]} failed: ${(e.stderr || e.message).trim()}`);
    }
  }
}
