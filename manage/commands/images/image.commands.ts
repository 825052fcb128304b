import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Inject } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { ImageRepository, type ImageWithProperties } from '@nefos/database';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';

const imageRow = (i: ImageWithProperties) => ({
  id: i.id,
  name: i.name,
  status: i.status,
  visibility: i.visibility,
  owner: i.ownerProjectId,
  location: i.location,
  disk_format: i.diskFormat,
  size: i.sizeBytes,
  min_disk_gb: i.minDiskGb,
  min_ram_mb: i.minRamMb,
  properties: Object.fromEntries(i.properties.map((p) => [p.key, p.value])),
});

interface ImageRegisterOptions extends JsonOption {
  location?: string;
  diskFormat?: string;
  containerFormat?: string;
  minDisk?: string;
  minRam?: string;
  private?: boolean;
  owner?: string;
  osFamily?: string;
  property?: string[];
  skipCheck?: boolean;
  protected?: boolean;
}

const DISK_FORMATS = ['raw', 'qcow2', 'vmdk', 'vdi', 'iso', 'ami', 'aki', 'ari'];

/** What an image store entry (`<imageDir>/<entry>/`) holds: its disk format and size. */
function inspectEntry(dir: string): { diskFormat: string; size: bigint } {
  const files = readdirSync(dir);
  const size = files.reduce((n, f) => n + BigInt(statSync(join(dir, f)).size), 0n);
  if (files.includes('disk.qcow2')) return { diskFormat: 'qcow2', size };
  if (files.includes('disk.raw') || files.includes('vmlinuz')) return { diskFormat: 'raw', size };
  throw new CommandError(`${dir} holds neither vmlinuz, disk.qcow2 nor disk.raw`);
}

@Command({
  name: 'image-register',
  arguments: '<name>',
  description:
    'register an image of the image store so users can boot it (public unless --private)',
})
export class ImageRegisterCommand extends BaseCommand<ImageRegisterOptions> {
  constructor(
    private readonly images: ImageRepository,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {
    super();
  }

  protected async execute([name]: string[], o: ImageRegisterOptions, out: Output): Promise<void> {
    // Options are checked here, not in their parsers: an error thrown there would not set the
    // exit code.
    if (!o.location) throw new CommandError('--location is required (an entry of the image store)');
    if (!/^[\w.+-]+$/.test(o.location)) {
      throw new CommandError(`invalid image store entry '${o.location}'`);
    }
    if (o.diskFormat && !DISK_FORMATS.includes(o.diskFormat)) {
      throw new CommandError(`--disk-format must be one of ${DISK_FORMATS.join(', ')}`);
    }
    for (const [flag, v] of [
      ['--min-disk', o.minDisk],
      ['--min-ram', o.minRam],
    ] as const) {
      if (v !== undefined && !/^\d+$/.test(v))
        throw new CommandError(`${flag} must be a whole number`);
    }
    const properties: Record<string, string> = {};
    for (const p of o.property ?? []) {
      const i = p.indexOf('=');
      if (i < 1) throw new CommandError(`--property takes key=value, got '${p}'`);
      properties[p.slice(0, i)] = p.slice(i + 1);
    }
    if (name.length === 0 || name.length > 255)
      throw new CommandError('the name must be 1-255 characters');
    if (o.private && !o.owner) throw new CommandError('--private needs --owner <project id>');
    let inspected: { diskFormat: string; size: bigint } | null = null;
    if (!o.skipCheck) {
      const dir = join(this.config.master.imageDir, o.location);
      if (!existsSync(dir)) {
        throw new CommandError(
          `no entry ${dir} in the image store (NEFOS_IMAGE_DIR); pass --skip-check when the store is on another host`,
        );
      }
      inspected = inspectEntry(dir);
    }
    const image = await this.images.register({
      name,
      location: o.location,
      visibility: o.private ? 'private' : 'public',
      ownerProjectId: o.owner ?? null,
      diskFormat: o.diskFormat ?? inspected?.diskFormat ?? 'raw',
      containerFormat: o.containerFormat ?? 'bare',
      sizeBytes: inspected?.size ?? null,
      minDiskGb: o.minDisk === undefined ? 0 : Number(o.minDisk),
      minRamMb: o.minRam === undefined ? 0 : Number(o.minRam),
      osFamily: o.osFamily ?? null,
      protected: o.protected ?? false,
      properties,
    });
    out.object(imageRow(image));
  }

  @Option({ flags: '--location <entry>', description: 'entry name in the image store (required)' })
  parseLocation(v: string): string {
    return v;
  }

  @Option({ flags: '--disk-format <format>', description: `one of ${DISK_FORMATS.join(', ')}` })
  parseDiskFormat(v: string): string {
    return v;
  }

  @Option({ flags: '--container-format <format>', description: 'default bare' })
  parseContainerFormat(v: string): string {
    return v;
  }

  @Option({ flags: '--min-disk <GiB>', description: 'smallest root disk it boots from' })
  parseMinDisk(v: string): string {
    return v;
  }

  @Option({ flags: '--min-ram <MiB>', description: 'least memory it boots with' })
  parseMinRam(v: string): string {
    return v;
  }

  @Option({ flags: '--private', description: 'visible to the owner project only' })
  parsePrivate(): boolean {
    return true;
  }

  @Option({ flags: '--owner <project-id>', description: 'project that owns the image' })
  parseOwner(v: string): string {
    return v;
  }

  @Option({ flags: '--os-family <family>', description: 'e.g. linux (passed to the installer)' })
  parseOsFamily(v: string): string {
    return v;
  }

  @Option({ flags: '--protected', description: 'users cannot delete it' })
  parseProtected(): boolean {
    return true;
  }

  @Option({
    flags: '--property <key=value>',
    description: 'an image property (repeatable), e.g. os_distro=debian or hw_qemu_guest_agent=yes',
  })
  parseProperty(v: string, previous: string[] = []): string[] {
    return [...previous, v];
  }

  @Option({
    flags: '--skip-check',
    description: 'do not look for the entry in the local image store',
  })
  parseSkipCheck(): boolean {
    return true;
  }
}

@Command({ name: 'image-list', description: 'list the registered images' })
export class ImageListCommand extends BaseCommand {
  constructor(private readonly images: ImageRepository) {
    super();
  }

  protected async execute(_args: string[], _o: JsonOption, out: Output): Promise<void> {
    const rows = await this.images.listAll();
    out.list(rows.map(imageRow), [
      'id',
      'name',
      'status',
      'visibility',
      'location',
      'disk_format',
      'size',
    ]);
  }
}
