import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { Image, ImageProperty, Prisma } from '../generated/prisma/client';

type Tx = Prisma.TransactionClient;
export type ImageWithProperties = Image & { properties: ImageProperty[] };

export interface ImageScope {
  /** The caller's project; null with `all` for admins. */
  projectId: string | null;
  /** Admins see every image. */
  all: boolean;
}

export interface ImageFilter {
  name?: string;
  status?: string[];
  visibility?: string;
  ownerProjectId?: string;
  minRamMb?: number;
  minDiskGb?: number;
  changesSince?: Date;
  /** Only images with these property values (e.g. `image_type=snapshot`). */
  properties?: Array<{ key: string; value: string }>;
  limit: number;
}

export interface NewImage {
  id?: string;
  name: string;
  ownerProjectId?: string | null;
  visibility: 'public' | 'private' | 'shared' | 'community';
  status?: string;
  diskFormat?: string | null;
  containerFormat?: string | null;
  sizeBytes?: bigint | null;
  checksum?: string | null;
  minDiskGb?: number;
  minRamMb?: number;
  protected?: boolean;
  location?: string | null;
  osFamily?: string | null;
  properties?: Record<string, string>;
}

const WITH_PROPERTIES = { properties: { orderBy: { key: 'asc' } } } as const;

/** The image registry: what can be booted and where the master finds it. */
@Injectable()
export class ImageRepository {
  constructor(private readonly prisma: PrismaService) {}

  private visible(scope: ImageScope): Prisma.ImageWhereInput {
    if (scope.all) return {};
    return {
      OR: [
        { visibility: { in: ['public', 'community'] } },
        ...(scope.projectId ? [{ ownerProjectId: scope.projectId }] : []),
      ],
    };
  }

  /** Newest first, then by id; `marker` is the id of the last image of the previous page. */
  async list(
    scope: ImageScope,
    filter: ImageFilter,
    marker?: string,
  ): Promise<ImageWithProperties[] | 'bad-marker'> {
    const and: Prisma.ImageWhereInput[] = [this.visible(scope)];
    if (filter.changesSince) and.push({ updatedAt: { gte: filter.changesSince } });
    else and.push({ deletedAt: null });
    if (filter.name !== undefined) and.push({ name: filter.name });
    if (filter.status) and.push({ status: { in: filter.status } });
    if (filter.visibility) and.push({ visibility: filter.visibility });
    if (filter.ownerProjectId) and.push({ ownerProjectId: filter.ownerProjectId });
    if (filter.minRamMb !== undefined) and.push({ minRamMb: { gte: filter.minRamMb } });
    if (filter.minDiskGb !== undefined) and.push({ minDiskGb: { gte: filter.minDiskGb } });
    for (const p of filter.properties ?? []) {
      and.push({ properties: { some: { key: p.key, value: p.value } } });
    }
    if (marker !== undefined) {
      const m = await this.findVisible(marker, scope, { withDeleted: true });
      if (!m) return 'bad-marker';
      and.push({
        OR: [{ createdAt: { lt: m.createdAt } }, { createdAt: m.createdAt, id: { lt: m.id } }],
      });
    }
    return this.prisma.image.findMany({
      where: { AND: and },
      include: WITH_PROPERTIES,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.limit,
    });
  }

  async findVisible(
    id: string,
    scope: ImageScope,
    opts: { withDeleted?: boolean } = {},
    tx: Tx = this.prisma,
  ): Promise<ImageWithProperties | null> {
    if (!isUuid(id)) return null;
    return tx.image.findFirst({
      where: { AND: [{ id }, this.visible(scope), opts.withDeleted ? {} : { deletedAt: null }] },
      include: WITH_PROPERTIES,
    });
  }

  /** Any image by id, for views of servers built from images the viewer can no longer list. */
  findMany(ids: string[]): Promise<Image[]> {
    return this.prisma.image.findMany({ where: { id: { in: ids.filter(isUuid) } } });
  }

  listAll(): Promise<ImageWithProperties[]> {
    return this.prisma.image.findMany({
      where: { deletedAt: null },
      include: WITH_PROPERTIES,
      orderBy: [{ name: 'asc' }, { createdAt: 'asc' }],
    });
  }

  register(img: NewImage): Promise<ImageWithProperties> {
    return this.prisma.image.create({
      data: {
        ...(img.id ? { id: img.id } : {}),
        name: img.name,
        ownerProjectId: img.ownerProjectId ?? null,
        visibility: img.visibility,
        status: img.status ?? 'active',
        diskFormat: img.diskFormat ?? null,
        containerFormat: img.containerFormat ?? null,
        sizeBytes: img.sizeBytes ?? null,
        checksum: img.checksum ?? null,
        minDiskGb: img.minDiskGb ?? 0,
        minRamMb: img.minRamMb ?? 0,
        protected: img.protected ?? false,
        location: img.location ?? null,
        osFamily: img.osFamily ?? null,
        properties: {
          create: Object.entries(img.properties ?? {}).map(([key, value]) => ({ key, value })),
        },
      },
      include: WITH_PROPERTIES,
    });
  }

  /** Replaces (`replace`) or merges the image's properties; returns them all. */
  async setProperties(
    id: string,
    props: Record<string, string>,
    replace: boolean,
  ): Promise<Record<string, string>> {
    await this.prisma.$transaction(async (tx) => {
      if (replace) await tx.imageProperty.deleteMany({ where: { imageId: id } });
      for (const [key, value] of Object.entries(props)) {
        await tx.imageProperty.upsert({
          where: { imageId_key: { imageId: id, key } },
          create: { imageId: id, key, value },
          update: { value },
        });
      }
      await tx.image.update({ where: { id }, data: { updatedAt: new Date() } });
    });
    const rows = await this.prisma.imageProperty.findMany({ where: { imageId: id } });
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async deleteProperty(id: string, key: string): Promise<boolean> {
    const r = await this.prisma.imageProperty.deleteMany({ where: { imageId: id, key } });
    if (r.count > 0)
      await this.prisma.image.update({ where: { id }, data: { updatedAt: new Date() } });
    return r.count > 0;
  }

  async markDeleted(id: string): Promise<void> {
    await this.prisma.image.update({
      where: { id },
      data: { status: 'deleted', deletedAt: new Date() },
    });
  }
}

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
