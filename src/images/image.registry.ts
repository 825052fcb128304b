import { Injectable } from '@nestjs/common';
import {
  ImageRepository,
  type ImageFilter,
  type ImageScope,
  type ImageWithProperties,
} from '@nefos/database';
import { badRequest, forbidden, notFound } from '../common/errors/domain.error';
import type { AuthContext } from '../identity/auth/auth-context';

/**
 * The image registry as the API sees it: who may see and change which image, and which image a
 * server may boot. Shared by the compute images proxy, the Glance v2 subset and the create path.
 */
@Injectable()
export class ImageRegistry {
  constructor(private readonly images: ImageRepository) {}

  scope(auth: AuthContext): ImageScope {
    return { projectId: auth.projectId, all: auth.isAdmin };
  }

  async list(
    auth: AuthContext,
    filter: ImageFilter,
    marker?: string,
  ): Promise<ImageWithProperties[]> {
    const rows = await this.images.list(this.scope(auth), filter, marker);
    if (rows === 'bad-marker') throw badRequest(`marker [${marker}] not found`);
    return rows;
  }

  async get(auth: AuthContext, id: string): Promise<ImageWithProperties> {
    const image = await this.images.findVisible(id, this.scope(auth));
    if (!image) throw notFound(`Image ${id} could not be found.`);
    return image;
  }

  /** An image a new server (or a rebuild) may use; a client error (400) otherwise, as Nova. */
  async forBoot(auth: AuthContext, imageRef: string): Promise<ImageWithProperties> {
    const id = imageIdFromRef(imageRef);
    const image = id ? await this.images.findVisible(id, this.scope(auth)) : null;
    if (!image) throw badRequest(`Image ${imageRef} could not be found.`);
    if (image.status !== 'active') {
      throw badRequest(`Image ${image.id} is not active (status ${image.status}).`);
    }
    if (!image.location) {
      throw badRequest(`Image ${image.id} has no data in the image store and cannot be booted.`);
    }
    return image;
  }

  async setMetadata(
    auth: AuthContext,
    id: string,
    items: Record<string, string>,
    replace: boolean,
  ): Promise<Record<string, string>> {
    const image = await this.writable(auth, id);
    return this.images.setProperties(image.id, items, replace);
  }

  async deleteMetadata(auth: AuthContext, id: string, key: string): Promise<void> {
    const image = await this.writable(auth, id);
    if (!(await this.images.deleteProperty(image.id, key))) {
      throw notFound(`Image ${id} has no metadata item ${key}.`);
    }
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    const image = await this.writable(auth, id);
    if (image.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
    await this.images.markDeleted(image.id);
  }

  /** Owners change their images; the cloud's own images only admins. Others get a 403. */
  private async writable(auth: AuthContext, id: string): Promise<ImageWithProperties> {
    const image = await this.get(auth, id);
    if (
      !auth.isAdmin &&
      (image.ownerProjectId === null || image.ownerProjectId !== auth.projectId)
    ) {
      throw forbidden(`You are not allowed to change image ${id}.`);
    }
    if (auth.readOnly) throw forbidden(`You are not allowed to change image ${id}.`);
    return image;
  }
}

/** `imageRef` may be an id or a URL ending in one (Nova accepts both). */
export function imageIdFromRef(ref: string): string | null {
  const last = ref.replace(/\/+$/, '').split('/').pop() ?? '';
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(last)
    ? last.toLowerCase()
    : null;
}

export function imageProperties(image: ImageWithProperties): Record<string, string> {
  return Object.fromEntries(image.properties.map((p) => [p.key, p.value]));
}
