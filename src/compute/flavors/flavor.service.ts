import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { FlavorExistsError, FlavorRepository, type Flavor } from '@nefos/database';
import { badRequest, conflict, notFound } from '../../common/errors/domain.error';
import type { AuthContext } from '../../identity/auth/auth-context';

export interface FlavorListQuery {
  minRamMb?: number;
  minDiskGb?: number;
  /** undefined: Nova's default; null: all (`is_public=none`, admins). */
  isPublic?: boolean | null;
  marker?: string;
  limit: number;
}

@Injectable()
export class FlavorService {
  constructor(private readonly flavors: FlavorRepository) {}

  async list(auth: AuthContext, q: FlavorListQuery): Promise<Flavor[]> {
    if (q.marker !== undefined && !(await this.visible(auth, q.marker, false))) {
      throw badRequest(`marker [${q.marker}] not found`);
    }
    // Admins see public flavors unless they ask for private or all; others see public ones and
    // the private ones their project was given.
    const isPublic = auth.isAdmin
      ? q.isPublic === undefined
        ? true
        : (q.isPublic ?? undefined)
      : undefined;
    return this.flavors.list({
      minRamMb: q.minRamMb,
      minDiskGb: q.minDiskGb,
      isPublic,
      accessibleTo: auth.isAdmin ? undefined : (auth.projectId ?? ''),
      afterId: q.marker,
      limit: q.limit,
    });
  }

  /** Deleted flavors stay showable by id: servers built with them still link to them. */
  async get(auth: AuthContext, id: string): Promise<Flavor> {
    const flavor = await this.visible(auth, id, true);
    if (!flavor) throw notFound(`Flavor ${id} could not be found.`);
    return flavor;
  }

  /** A flavor a new server (or a resize) may use; 400 otherwise, as Nova answers a bad flavorRef. */
  async forBoot(auth: AuthContext, flavorRef: string): Promise<Flavor> {
    const id = String(flavorRef).replace(/\/+$/, '').split('/').pop() ?? '';
    const flavor = await this.visible(auth, id, false);
    if (!flavor) throw badRequest(`Flavor ${flavorRef} could not be found.`);
    if (flavor.disabled) throw badRequest(`Flavor ${flavor.id} is disabled.`);
    return flavor;
  }

  async create(f: {
    id?: string | null;
    name: string;
    vcpus: number;
    ramMb: number;
    diskGb: number;
    ephemeralGb?: number;
    swapMb?: number;
    rxtxFactor?: number;
    isPublic?: boolean;
  }): Promise<Flavor> {
    try {
      return await this.flavors.create({ ...f, id: f.id ?? randomUUID() });
    } catch (err) {
      if (err instanceof FlavorExistsError) throw conflict(err.message);
      throw err;
    }
  }

  async delete(id: string): Promise<void> {
    if (!(await this.flavors.softDelete(id))) throw notFound(`Flavor ${id} could not be found.`);
  }

  async extraSpecs(auth: AuthContext, id: string): Promise<Record<string, string>> {
    await this.get(auth, id);
    const rows = await this.flavors.extraSpecs(id);
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async setExtraSpecs(auth: AuthContext, id: string, specs: Record<string, string>): Promise<void> {
    const flavor = await this.get(auth, id);
    if (flavor.deletedAt) throw notFound(`Flavor ${id} could not be found.`);
    await this.flavors.setExtraSpecs(id, specs);
  }

  async deleteExtraSpec(auth: AuthContext, id: string, key: string): Promise<void> {
    await this.get(auth, id);
    if (!(await this.flavors.deleteExtraSpec(id, key))) {
      throw notFound(`Flavor ${id} has no extra specs with key ${key}.`);
    }
  }

  private async visible(
    auth: AuthContext,
    id: string,
    withDeleted: boolean,
  ): Promise<Flavor | null> {
    const flavor = await this.flavors.find(id, { withDeleted });
    if (!flavor) return null;
    if (flavor.isPublic || auth.isAdmin) return flavor;
    return auth.projectId && (await this.flavors.hasAccess(flavor.id, auth.projectId))
      ? flavor
      : null;
  }
}
