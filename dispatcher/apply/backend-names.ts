import { Inject, Injectable } from '@nestjs/common';
import { NEFOS_LOGGER, type Logger } from '@nefos/contracts';
import { ServerEventRepository } from '@nefos/database';

/**
 * Routes messages by cluster: a message applies only to a server whose backend's name equals the
 * message's `cluster` (each eventd names its own). Backend id -> name is cached (names never change).
 */
@Injectable()
export class BackendNames {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly servers: ServerEventRepository,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
  ) {}

  async matches(backendId: string | null, cluster: string): Promise<boolean> {
    // Not placed: no job was ever submitted for it, so no cluster speaks for it.
    if (backendId === null) return false;
    return (await this.nameOf(backendId)) === cluster;
  }

  /** A message from another cluster than the server's: ignored (and counted by its outcome). */
  reportForeign(cluster: string, instance: string, backendId: string | null, what: string): void {
    this.log.warn(
      {
        cluster,
        instance,
        serverBackend: backendId ? (this.names.get(backendId) ?? null) : null,
        what,
      },
      "message from another cluster than the server's backend ignored",
    );
  }

  private async nameOf(backendId: string): Promise<string | null> {
    const cached = this.names.get(backendId);
    if (cached !== undefined) return cached;
    const b = await this.servers.backendById(backendId);
    if (!b) return null;
    this.names.set(backendId, b.name);
    return b.name;
  }
}
