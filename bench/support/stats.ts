/** Percentile of a sample (nearest rank on the sorted values); null for an empty sample. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((s, v) => s + v, 0) / values.length;
}

export function median(values: readonly number[]): number | null {
  return percentile(values, 50);
}

/** A Ganeti `[sec, usec]` timestamp in seconds. */
export function ganetiSeconds(ts: readonly [number, number] | null | undefined): number | null {
  return ts ? ts[0] + ts[1] / 1e6 : null;
}

/** Milliseconds since `start` (from `process.hrtime.bigint()`). */
export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results in input order. After the
 * first failure no new call starts (the benchmark is going to clean up), and that failure is thrown.
 */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      for (;;) {
        const i = next++;
        if (failed || i >= items.length) return;
        try {
          out[i] = await fn(items[i], i);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    }),
  );
  return out;
}

/** Runs `fn` in a closed loop on `connections` workers for `durationMs`; latencies in ms. */
export async function closedLoop(
  connections: number,
  durationMs: number,
  fn: () => Promise<void>,
): Promise<{ latencies: number[]; errors: number; seconds: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) {
        const t = process.hrtime.bigint();
        try {
          await fn();
          latencies.push(elapsedMs(t));
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, errors, seconds: elapsedMs(started) / 1000 };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
