import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { projectRoot, type Logger } from '@nefos/contracts';
import { OpPrereqError } from '../common/ganeti-errors';
import type { ImageKind } from '../cluster/cluster-config.types';

/** The image the seed registers in the API (libs/database seed: SEED_IMAGE_NAME). */
export const SEED_IMAGE_ID = 'nefos-tiny';
const PLACEHOLDER = 'PLACEHOLDER';
const DEFAULT_CMDLINE = 'console=tty0 console=ttyS0';

export interface ResolvedImage {
  id: string;
  kind: ImageKind;
  dir: string;
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  disk?: string;
}

/**
 * The image store: `<imageDir>/<img_id>/` holds either `vmlinuz` (+ `initrd.img`) for direct
 * kernel boot or `disk.qcow2` / `disk.raw`. osparams name an entry the way snf-image takes them.
 */
export class ImageStore {
  private building: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  async resolve(osparams: Record<string, unknown>): Promise<ResolvedImage> {
    const raw = osparams.img_id;
    // snf-image's forms for local images: `local://<name>` and `file://<absolute path>`.
    const id =
      typeof raw === 'string' ? raw.replace(/^local:\/\//, '').replace(/^file:\/\//, '') : raw;
    if (typeof id !== 'string' || id === '') {
      throw new OpPrereqError(
        "OS parameter 'img_id' is required (an image store entry)",
        'wrong_input',
      );
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(id)) {
      throw new OpPrereqError(
        `Image '${id}': only entries of the image store are supported, not URLs`,
        'wrong_input',
      );
    }
    const dir = isAbsolute(id) ? resolve(id) : resolve(this.dir, id);
    const rel = relative(this.dir, dir);
    if (
      rel === '' ||
      rel.startsWith('..') ||
      isAbsolute(rel) ||
      (!isAbsolute(id) && !/^[\w.+-]+$/.test(id))
    ) {
      throw new OpPrereqError(`Image '${id}' is not inside the image store`, 'wrong_input');
    }
    if (id === SEED_IMAGE_ID && this.building) await this.building;
    if (!existsSync(dir)) {
      throw new OpPrereqError(`Image '${id}' not found in the image store`, 'unknown_entity');
    }
    const meta = this.readMeta(dir);
    const f = (name: string): string | undefined =>
      existsSync(join(dir, name)) ? join(dir, name) : undefined;
    if (f('vmlinuz')) {
      return {
        id,
        kind: 'kernel',
        dir,
        kernel: f('vmlinuz'),
        initrd: f('initrd.img'),
        cmdline: typeof meta.cmdline === 'string' ? meta.cmdline : DEFAULT_CMDLINE,
      };
    }
    if (f('disk.qcow2')) return { id, kind: 'qcow2', dir, disk: f('disk.qcow2') };
    if (f('disk.raw')) return { id, kind: 'raw', dir, disk: f('disk.raw') };
    throw new OpPrereqError(
      `Image '${id}' holds neither vmlinuz nor disk.qcow2/disk.raw`,
      'wrong_input',
    );
  }

  /** True for the test driver's stand-in, which QEMU cannot boot. */
  isPlaceholder(id: string): boolean {
    return existsSync(join(this.dir, id, PLACEHOLDER));
  }

  /**
   * Makes sure the seeded image exists: built from Debian packages for QEMU (in the background;
   * creates naming it wait for the build), a placeholder the test driver accepts otherwise.
   */
  ensureSeed(hypervisor: 'qemu' | 'test'): Promise<void> {
    const dir = join(this.dir, SEED_IMAGE_ID);
    if (hypervisor === 'test') {
      if (!existsSync(dir)) {
        mkdirSync(dir, { recursive: true });
        for (const f of ['vmlinuz', 'initrd.img']) {
          writeFileSync(join(dir, f), "placeholder for libvirt's test driver; not bootable\n");
        }
        writeFileSync(join(dir, PLACEHOLDER), 'built for NEFOS_HYPERVISOR=test\n');
        writeFileSync(join(dir, 'image.json'), JSON.stringify({ cmdline: DEFAULT_CMDLINE }) + '\n');
      }
      return Promise.resolve();
    }
    if (existsSync(join(dir, 'vmlinuz')) && !this.isPlaceholder(SEED_IMAGE_ID))
      return Promise.resolve();
    const script = join(projectRoot(), 'master', 'image', 'build-image.sh');
    this.logger.info({ image: SEED_IMAGE_ID }, 'building the seeded image from Debian packages');
    this.building = new Promise<void>((done) => {
      execFile('bash', [script, dir], { timeout: 600000 }, (err, stdout, stderr) => {
        if (err) {
          this.logger.error({ err: stderr || err.message }, `building ${SEED_IMAGE_ID} failed`);
        } else {
          this.logger.info({ out: stdout.trim() }, `built ${SEED_IMAGE_ID}`);
        }
        this.building = null;
        done();
      });
    });
    return this.building;
  }

  private readMeta(dir: string): Record<string, unknown> {
    const file = join(dir, 'image.json');
    if (!existsSync(file)) return {};
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
}
