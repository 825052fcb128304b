export interface LockRequest {
  name: string;
  shared?: boolean;
}

interface LockState {
  exclusive: number | null;
  shared: Set<number>;
}

interface Waiter {
  owner: number;
  requests: LockRequest[];
  grant: () => void;
}

let nextOwner = 1;

/**
 * Named shared/exclusive locks (instance, node, network, ...). A request takes all its locks at
 * once or waits, in arrival order, so two ops can never deadlock each other and a steady stream
 * of shared holders cannot starve an exclusive waiter.
 */
export class LockManager {
  private readonly locks = new Map<string, LockState>();
  private waiters: Waiter[] = [];

  newOwner(): number {
    return nextOwner++;
  }

  acquire(owner: number, requests: LockRequest[], signal?: AbortSignal): Promise<void> {
    const wanted = dedupe(requests);
    if (wanted.length === 0) return Promise.resolve();
    if (this.waiters.length === 0 && this.free(owner, wanted)) {
      this.take(owner, wanted);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        owner,
        requests: wanted,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error('lock wait aborted'));
        this.wake();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** True when `acquire` would have to wait (the op is then `waiting`). */
  wouldBlock(owner: number, requests: LockRequest[]): boolean {
    return this.waiters.length > 0 || !this.free(owner, dedupe(requests));
  }

  release(owner: number, names?: string[]): void {
    for (const [name, state] of this.locks) {
      if (names && !names.includes(name)) continue;
      if (state.exclusive === owner) state.exclusive = null;
      state.shared.delete(owner);
      if (state.exclusive === null && state.shared.size === 0) this.locks.delete(name);
    }
    this.wake();
  }

  /** Lock names and holders, for debugging and metrics. */
  snapshot(): Record<string, { exclusive: number | null; shared: number[] }> {
    return Object.fromEntries(
      [...this.locks].map(([n, s]) => [n, { exclusive: s.exclusive, shared: [...s.shared] }]),
    );
  }

  private wake(): void {
    const blocked: LockRequest[][] = [];
    for (const w of [...this.waiters]) {
      const conflictsEarlier = blocked.some((b) => conflicts(b, w.requests));
      if (!conflictsEarlier && this.free(w.owner, w.requests)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        this.take(w.owner, w.requests);
        w.grant();
      } else {
        blocked.push(w.requests);
      }
    }
  }

  private free(owner: number, requests: LockRequest[]): boolean {
    return requests.every((r) => {
      const s = this.locks.get(r.name);
      if (!s) return true;
      const othersShared = [...s.shared].some((o) => o !== owner);
      if (r.shared) return s.exclusive === null || s.exclusive === owner;
      return (s.exclusive === null || s.exclusive === owner) && !othersShared;
    });
  }

  private take(owner: number, requests: LockRequest[]): void {
    for (const r of requests) {
      let s = this.locks.get(r.name);
      if (!s) {
        s = { exclusive: null, shared: new Set() };
        this.locks.set(r.name, s);
      }
      if (r.shared) {
        if (s.exclusive !== owner) s.shared.add(owner);
      } else {
        s.shared.delete(owner);
        s.exclusive = owner;
      }
    }
  }
}

function dedupe(requests: LockRequest[]): LockRequest[] {
  const byName = new Map<string, LockRequest>();
  for (const r of requests) {
    const prev = byName.get(r.name);
    byName.set(r.name, { name: r.name, shared: Boolean(r.shared) && (prev?.shared ?? true) });
  }
  return [...byName.values()];
}

function conflicts(a: LockRequest[], b: LockRequest[]): boolean {
  return a.some((x) => b.some((y) => x.name === y.name && !(x.shared && y.shared)));
}
