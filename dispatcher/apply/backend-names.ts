import { Injectable } from '@nestjs/common';
import { ServerEventRepository } from '@nefos/database';

/** Backend id -> name, cached: a message from another cluster must not touch our servers. */
@Injectable()
export class BackendNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly servers: ServerEventRepository) {}

  async matches(backendId: string | null, cluster: string): Promise<boolean> {
    if (backendId === null) return true; // not placed yet: the API sets it with the job
    let name = this.names.get(backendId);
    if (name === undefined) {
      const b = await this.servers.backendById(backendId);
      if (!b) return false;
      name = b.name;
      this.names.set(backendId, name);
    }
    return name === cluster;
  }
}
