import type { Pipeline } from './pipeline';

export interface ServerView {
  id: string;
  name: string;
  status: string;
  'OS-EXT-STS:task_state': string | null;
  'OS-EXT-STS:vm_state': string;
  'OS-EXT-STS:power_state': number;
  fault?: { message: string };
  [k: string]: unknown;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/**
 * Many servers driven through the compute API, with every status each one showed recorded
 * (from `GET /servers/detail` polls and the reads right after each request), so a test can check
 * each transition as a user sees it.
 *
 * The reads that record are made one at a time (`observe`): two reads in flight together may be
 * answered from database snapshots in either order, so recording both could show a server going
 * back to a state it had left (a poll sent before a request's commit but answered after the read
 * that saw its task). One read at a time, each observation is newer than the one before.
 */
export class Fleet {
  readonly ids: string[] = [];
  /** Per server: the distinct consecutive statuses seen through the API. */
  readonly seen = new Map<string, string[]>();
  /** Per server: the last observations with the read that made them (for failure messages). */
  readonly observations = new Map<string, string[]>();
  /** Requests answered so far (chaos tests strike after a given number). */
  answered = 0;
  private polling = false;
  private poller: Promise<void> | null = null;
  private observer: Promise<unknown> = Promise.resolve();

  constructor(private readonly p: Pipeline) {}

  /**
   * Runs `read` once every earlier observing read has been answered and its result recorded, so
   * recorded states are in the order the database had them.
   */
  private observe<T>(
    how: string,
    read: () => Promise<T>,
    record: (r: T, how: string) => void,
  ): Promise<T> {
    const run = this.observer.then(async () => {
      const sent = Date.now();
      const r = await read();
      record(r, `${how} at ${new Date(sent).toISOString()} +${Date.now() - sent} ms`);
      return r;
    });
    this.observer = run.catch(() => undefined);
    return run;
  }

  /** Records `STATUS` or `STATUS(task_state)` as the API shows it. */
  private record(s: Pick<ServerView, 'id' | 'status'> & Partial<ServerView>, how: string): void {
    const task = s['OS-EXT-STS:task_state'];
    const label = task ? `${s.status}(${task})` : s.status;
    const obs = this.observations.get(s.id) ?? [];
    obs.push(`${label} (${how})`);
    this.observations.set(s.id, obs.slice(-30));
    const list = this.seen.get(s.id) ?? [];
    if (list[list.length - 1] !== label) list.push(label);
    this.seen.set(s.id, list);
  }

  /** Every server of the project, as one detailed list (all pages). */
  async list(): Promise<ServerView[]> {
    const out: ServerView[] = [];
    let marker: string | undefined;
    for (;;) {
      const q = `/servers/detail?limit=1000${marker ? `&marker=${marker}` : ''}`;
      const r = await this.p.api<{ servers: ServerView[] }>('GET', q);
      if (r.status !== 200) throw new Error(`GET ${q}: ${r.status} ${JSON.stringify(r.body)}`);
      out.push(...r.body.servers);
      if (r.body.servers.length < 1000) return out;
      marker = r.body.servers[r.body.servers.length - 1].id;
    }
  }

  startPolling(intervalMs = 250): void {
    if (this.polling) return;
    this.polling = true;
    this.poller = (async () => {
      while (this.polling) {
        try {
          await this.observe(
            'poll',
            () => this.list(),
            (all, how) => {
              for (const s of all) if (this.seen.has(s.id)) this.record(s, how);
            },
          );
        } catch {
          // the API may be restarting in a chaos test; the next poll catches up
        }
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  async stopPolling(): Promise<void> {
    this.polling = false;
    await this.poller;
  }

  async create(
    n: number,
    flavorRef: string,
    imageRef: string,
    concurrency = 10,
  ): Promise<string[]> {
    const made = await pool(
      Array.from({ length: n }, (_, i) => i),
      concurrency,
      async (i) => {
        const r = await this.p.api<{ server: { id: string } }>('POST', '/servers', {
          server: { name: `fleet-${i}`, flavorRef, imageRef },
        });
        this.answered++;
        if (r.status !== 202) throw new Error(`create ${i}: ${r.status} ${JSON.stringify(r.body)}`);
        const id = r.body.server.id;
        this.seen.set(id, []);
        await this.show(id);
        return id;
      },
    );
    this.ids.push(...made);
    return made;
  }

  async show(id: string): Promise<ServerView | null> {
    const r = await this.observe(
      'show',
      () => this.p.api<{ server: ServerView }>('GET', `/servers/${id}`),
      (res, how) => {
        if (res.status === 404) this.record({ id, status: 'DELETED' }, how);
        else if (res.status === 200) this.record(res.body.server, how);
      },
    );
    if (r.status === 404) return null;
    if (r.status !== 200) throw new Error(`GET /servers/${id}: ${r.status}`);
    return r.body.server;
  }

  /** Posts an action to each server; returns the HTTP status per server. */
  async action(ids: string[], body: Record<string, unknown>, concurrency = 10): Promise<number[]> {
    return pool(ids, concurrency, async (id) => {
      const r = await this.p.api('POST', `/servers/${id}/action`, body);
      this.answered++;
      await this.show(id);
      return r.status;
    });
  }

  async remove(ids: string[], concurrency = 10): Promise<number[]> {
    return pool(ids, concurrency, async (id) => {
      const r = await this.p.api('DELETE', `/servers/${id}`);
      this.answered++;
      await this.show(id);
      return r.status;
    });
  }

  /** Waits until `done` holds for every listed server (or fails naming the stragglers). */
  async waitAll(
    what: string,
    ids: string[],
    done: (s: ServerView | undefined) => boolean,
    timeoutMs = 300_000,
  ): Promise<Map<string, ServerView>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await this.observe(
        'wait',
        async () => new Map((await this.list()).map((s) => [s.id, s])),
        (listed, how) => {
          for (const s of listed.values()) if (this.seen.has(s.id)) this.record(s, how);
          for (const id of ids) if (!listed.has(id)) this.record({ id, status: 'DELETED' }, how);
        },
      );
      const pending = ids.filter((id) => !done(all.get(id)));
      if (pending.length === 0) return all;
      if (Date.now() > deadline) {
        const sample = pending
          .slice(0, 5)
          .map(
            (id) =>
              `${id}: ${JSON.stringify(all.get(id)?.status)} seen ${this.seen.get(id)?.join(' > ')}`,
          );
        throw new Error(`${pending.length} server(s) not ${what}:\n${sample.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Forgets what was seen so a new phase records only its own transitions. */
  resetSeen(ids: string[]): void {
    for (const id of ids) {
      const last = this.seen.get(id)?.at(-1);
      this.seen.set(id, last ? [last] : []);
    }
  }
}

/** True when `seen` walks only through `path` in order (states may be skipped, none repeated out of order). */
export function followsPath(seen: string[], path: string[]): boolean {
  let at = 0;
  for (const s of seen) {
    const i = path.indexOf(s, at);
    if (i < 0) return false;
    at = i;
  }
  return seen.length > 0 && seen[seen.length - 1] === path[path.length - 1];
}
