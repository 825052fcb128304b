import type { ImageWithProperties } from '@nefos/database';
import { imageProperties } from '../../images/image.registry';
import type { ComputeLinks } from '../common/compute-links';
import { isoSeconds } from '../common/time';

const STATUS: Record<string, string> = {
  active: 'ACTIVE',
  queued: 'SAVING',
  saving: 'SAVING',
  importing: 'SAVING',
  uploading: 'SAVING',
  deleted: 'DELETED',
  pending_delete: 'DELETED',
  killed: 'ERROR',
};
const PROGRESS: Record<string, number> = { ACTIVE: 100, SAVING: 50 };

function imageLinks(image: ImageWithProperties, links: ComputeLinks): unknown[] {
  return [
    ...links.pair('images', image.id),
    {
      rel: 'alternate',
      type: 'application/vnd.openstack.image',
      href: links.glanceImage(image.id),
    },
  ];
}

export function computeImageSummary(
  image: ImageWithProperties,
  links: ComputeLinks,
): Record<string, unknown> {
  return { id: image.id, name: image.name, links: imageLinks(image, links) };
}

/** Nova's image proxy view; `server` appears only on snapshots, as in Nova. */
export function computeImageDetail(
  image: ImageWithProperties,
  links: ComputeLinks,
): Record<string, unknown> {
  const status = STATUS[image.status] ?? 'UNKNOWN';
  const metadata = imageProperties(image);
  const view: Record<string, unknown> = {
    id: image.id,
    name: image.name,
    minRam: image.minRamMb,
    minDisk: image.minDiskGb,
    metadata,
    created: isoSeconds(image.createdAt),
    updated: isoSeconds(image.updatedAt),
    status,
    progress: PROGRESS[status] ?? 0,
    links: imageLinks(image, links),
    'OS-EXT-IMG-SIZE:size': image.sizeBytes === null ? 0 : Number(image.sizeBytes),
  };
  if (metadata.instance_uuid) {
    view.server = {
      id: metadata.instance_uuid,
      links: links.pair('servers', metadata.instance_uuid),
    };
  }
  return view;
}
