import type { ImageWithProperties } from '@nefos/database';
import { isoSeconds } from '../../compute/common/time';

/** Glance v2's own image keys; custom properties appear beside them unless they collide. */
const BASE_KEYS = [
  'id',
  'name',
  'status',
  'visibility',
  'protected',
  'checksum',
  'owner',
  'size',
  'min_ram',
  'min_disk',
  'disk_format',
  'container_format',
  'created_at',
  'updated_at',
  'tags',
  'self',
  'file',
  'schema',
  'os_hidden',
  'virtual_size',
  'os_hash_algo',
  'os_hash_value',
] as const;

export function glanceImageView(image: ImageWithProperties): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected,
    checksum: image.checksum,
    owner: image.ownerProjectId,
    size: image.sizeBytes === null ? null : Number(image.sizeBytes),
    min_ram: image.minRamMb,
    min_disk: image.minDiskGb,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    created_at: isoSeconds(image.createdAt),
    updated_at: isoSeconds(image.updatedAt),
    tags: [],
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
    os_hidden: false,
    virtual_size: null,
    os_hash_algo: null,
    os_hash_value: null,
  };
  for (const p of image.properties) {
    if (!(BASE_KEYS as readonly string[]).includes(p.key)) view[p.key] = p.value;
  }
  return view;
}
