import { Injectable } from '@nestjs/common';
import { BackendRepository, type Backend } from '@nefos/database';

export interface Placement {
  vcpus: number;
  ramMb: number;
  diskGb: number;
}

/**
 * Chooses the backend (cluster) a new server goes to: the first that is neither drained nor
 * offline and has room, most free memory first. Capacity figures of 0 mean "not reported yet"
 * (a fresh backend before its first refresh) and do not rule a backend out. The multi-backend
 * allocator will replace this with a scored choice.
 */
@Injectable()
export class BackendSelector {
  constructor(private readonly backends: BackendRepository) {}

  async choose(p: Placement): Promise<Backend | null> {
    const usable = await this.backends.listUsable();
    return usable.find((b) => hasRoom(b, p)) ?? null;
  }

  find(id: string): Promise<Backend | null> {
    return this.backends.findById(id);
  }
}

export function hasRoom(b: Backend, p: Placement): boolean {
  const memOk = b.mtotal === 0 || b.mfree >= p.ramMb;
  const diskOk = b.dtotal === 0 || b.dfree >= p.diskGb * 1024;
  return memOk && diskOk;
}
