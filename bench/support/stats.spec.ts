import { ganetiSeconds, mean, median, percentile, pool } from './stats';

describe('bench stats', () => {
  it('takes the nearest-rank percentile of an unsorted sample', () => {
    const sample = [9, 1, 5, 3, 7, 2, 8, 4, 10, 6];
    expect(percentile(sample, 50)).toBe(5);
    expect(percentile(sample, 99)).toBe(10);
    expect(percentile(sample, 0)).toBe(1);
    expect(median([4, 1, 3])).toBe(3);
  });

  it('answers null for an empty sample', () => {
    expect(percentile([], 50)).toBeNull();
    expect(mean([])).toBeNull();
  });

  it('leaves the sample it reads in its order', () => {
    const sample = [3, 1, 2];
    percentile(sample, 50);
    expect(sample).toEqual([3, 1, 2]);
  });

  it('reads a Ganeti [sec, usec] timestamp as seconds', () => {
    expect(ganetiSeconds([1700000000, 250000])).toBe(1700000000.25);
    expect(ganetiSeconds(null)).toBeNull();
  });

  it('runs at most `limit` calls at once and keeps results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await pool([30, 10, 20, 5, 15], 2, async (ms, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i;
    });
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('starts no new call after one failed, and throws that failure', async () => {
    const started: number[] = [];
    const run = pool([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('boom'); // while 0 is still running
      await new Promise((r) => setTimeout(r, 10));
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    await new Promise((r) => setTimeout(r, 30));
    expect(started).toEqual([0, 1]);
  });
});
