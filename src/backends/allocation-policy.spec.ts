import {
  demandOf,
  fits,
  noHostReason,
  rank,
  score,
  type BackendFigures,
} from './allocation-policy';

const at = new Date('2026-01-01T00:00:00Z');

function backend(name: string, over: Partial<BackendFigures> = {}): BackendFigures {
  return {
    name,
    ctotal: 16,
    cfree: 16,
    mtotal: 16384,
    mfree: 16384,
    dtotal: 100 * 1024,
    dfree: 100 * 1024,
    capacityAt: at,
    ...over,
  };
}

const tiny = demandOf({ vcpus: 1, ramMb: 512, diskGb: 1 });

describe('demandOf', () => {
  it('turns a flavor into RAPI units (disk in MiB)', () => {
    expect(demandOf({ vcpus: 2, ramMb: 4096, diskGb: 40 })).toEqual({
      vcpus: 2,
      memoryMib: 4096,
      diskMib: 40960,
    });
  });
});

describe('fits', () => {
  it('needs free memory and disk for the flavor, exactly enough is enough', () => {
    expect(fits(backend('a', { mfree: 512, dfree: 1024 }), tiny)).toBe(true);
    expect(fits(backend('a', { mfree: 511 }), tiny)).toBe(false);
    expect(fits(backend('a', { dfree: 1023 }), tiny)).toBe(false);
  });

  it('is not limited by a figure the backend does not report (total 0)', () => {
    expect(fits(backend('a', { dtotal: 0, dfree: 0 }), tiny)).toBe(true);
    expect(fits(backend('a', { mtotal: 0, mfree: 0 }), tiny)).toBe(true);
  });

  it('does not refuse a backend whose CPUs are all taken (vCPUs are overcommitted)', () => {
    expect(fits(backend('a', { cfree: 0 }), tiny)).toBe(true);
  });
});

describe('score', () => {
  it("is Synnefo's 0.5 cpu + 0.5 (mem + disk) of the load after placing the server", () => {
    const b = backend('a', {
      ctotal: 10,
      cfree: 5,
      mtotal: 1000,
      mfree: 600,
      dtotal: 2000,
      dfree: 1000,
    });
    const d = { vcpus: 1, memoryMib: 100, diskMib: 200 };
    // cpu (10-5+1)/10 = 0.6, mem (1000-600+100)/1000 = 0.5, disk (2000-1000+200)/2000 = 0.6
    expect(score(b, d)).toBeCloseTo(0.5 * 0.6 + 0.5 * (0.5 + 0.6));
  });

  it('lets a figure the backend does not report weigh nothing', () => {
    const noDisk = backend('a', { dtotal: 0, dfree: 0 });
    expect(score(noDisk, tiny)).toBeCloseTo(
      score(backend('b'), tiny) - 0.5 * (1024 / (100 * 1024)),
    );
  });
});

describe('rank', () => {
  it('puts the least loaded backend first', () => {
    const busy = backend('busy', { mfree: 4096, cfree: 4 });
    const idle = backend('idle');
    const half = backend('half', { mfree: 8192, cfree: 8 });
    expect(rank([busy, idle, half], tiny).map((r) => r.backend.name)).toEqual([
      'idle',
      'half',
      'busy',
    ]);
  });

  it('leaves out backends without room for the flavor', () => {
    const full = backend('full', { mfree: 256 });
    const noDisk = backend('nodisk', { dfree: 10 });
    expect(rank([full, noDisk, backend('ok')], tiny).map((r) => r.backend.name)).toEqual(['ok']);
  });

  it('breaks ties by name, so the same figures give the same choice', () => {
    expect(
      rank([backend('b'), backend('a'), backend('c')], tiny).map((r) => r.backend.name),
    ).toEqual(['a', 'b', 'c']);
  });

  it('tries a backend whose capacity was never read only after every backend with room', () => {
    const unread = backend('aaa', { capacityAt: null, mtotal: 0, mfree: 0, dtotal: 0, dfree: 0 });
    const ranked = rank([unread, backend('zzz', { mfree: 1024 })], tiny);
    expect(ranked.map((r) => [r.backend.name, r.score === null])).toEqual([
      ['zzz', false],
      ['aaa', true],
    ]);
  });

  it('spreads a burst: taking each placement off the winner moves the next one elsewhere', () => {
    const fleet = [backend('a'), backend('b'), backend('c')];
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 30; i++) {
      const [best] = rank(fleet, tiny);
      best.backend.mfree -= tiny.memoryMib;
      best.backend.dfree -= tiny.diskMib;
      best.backend.cfree -= tiny.vcpus;
      counts[best.backend.name]++;
    }
    expect(counts).toEqual({ a: 10, b: 10, c: 10 });
  });
});

describe('noHostReason', () => {
  it('tells a project with no usable backend apart from backends that are full', () => {
    expect(noHostReason([], tiny)).toMatch(/drained or offline/);
    expect(noHostReason([backend('a', { mfree: 0 })], tiny)).toMatch(
      /No backend has room for 512 MiB of memory and 1024 MiB of disk; try a smaller flavor/,
    );
  });
});
