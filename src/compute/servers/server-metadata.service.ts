import { Injectable } from '@nestjs/common';
import { PrismaService, QuotaStore, ServerRepository, UNLIMITED } from '@nefos/database';
import { forbidden, notFound } from '../../common/errors/domain.error';
import type { AuthContext } from '../../identity/auth/auth-context';
import { ServerTaskRunner } from './server-task.runner';

/**
 * Server metadata. The `metadata_items` limit applies per server, as Nova's `maxServerMeta`
 * does; writes lock the server row so concurrent writers cannot pass it together.
 */
@Injectable()
export class ServerMetadataService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly servers: ServerRepository,
    private readonly quotas: QuotaStore,
    private readonly runner: ServerTaskRunner,
  ) {}

  async get(auth: AuthContext, id: string): Promise<Record<string, string>> {
    const s = await this.servers.findVisible(id, { projectId: auth.projectId!, all: auth.isAdmin });
    if (!s) throw notFound(`Instance ${id} could not be found.`);
    return Object.fromEntries(s.metadata.map((m) => [m.key, m.value]));
  }

  async item(auth: AuthContext, id: string, key: string): Promise<string> {
    const metadata = await this.get(auth, id);
    if (!(key in metadata)) throw notFound(`Metadata item was not found`);
    return metadata[key];
  }

  /** Merges (`replace` false) or replaces all items; returns the server's metadata after. */
  async set(
    auth: AuthContext,
    id: string,
    items: Record<string, string>,
    replace: boolean,
  ): Promise<Record<string, string>> {
    return this.prisma.$transaction(async (tx) => {
      const s = await this.runner.lockVisible(tx, auth, id);
      const current = replace ? {} : await this.servers.metadata(s.id, tx);
      const after = { ...current, ...items };
      const limits = await this.quotas.limits(s.projectId, tx);
      const max = limits.metadata_items;
      if (max !== UNLIMITED && Object.keys(after).length > max) {
        throw forbidden(
          `Quota exceeded for metadata_items: Maximum number of metadata items exceeds ${max}`,
        );
      }
      await this.servers.setMetadata(tx, s.id, items, replace);
      return this.servers.metadata(s.id, tx);
    });
  }

  async delete(auth: AuthContext, id: string, key: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const s = await this.runner.lockVisible(tx, auth, id);
      if (!(await this.servers.deleteMetadata(tx, s.id, key))) {
        throw notFound('Metadata item was not found');
      }
    });
  }
}
