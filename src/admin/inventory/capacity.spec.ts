import type { RapiNode } from '@nefos/contracts';
import { totalsOf } from './capacity.service';

function node(name: string, over: Partial<RapiNode> = {}): RapiNode {
  return {
    name,
    offline: false,
    drained: false,
    master_candidate: true,
    mtotal: 8192,
    mfree: 4096,
    dtotal: 100000,
    dfree: 50000,
    ctotal: 8,
    pinst_cnt: 3,
    sinst_cnt: 0,
    pinst_list: [],
    role: 'R',
    ...over,
  };
}

describe('totalsOf', () => {
  it('sums online nodes, and free space only of nodes that take new instances', () => {
    const t = totalsOf([node('a'), node('b', { drained: true }), node('c', { offline: true })], 5);
    expect(t.ctotal).toBe(16);
    expect(t.mtotal).toBe(16384);
    expect(t.dtotal).toBe(200000);
    expect(t.mfree).toBe(4096);
    expect(t.dfree).toBe(50000);
    expect(t.cfree).toBe(3);
    expect(t.pinstCnt).toBe(9);
  });

  it('treats unknown figures as 0 and never reports negative free CPUs', () => {
    const t = totalsOf([node('a', { ctotal: null, mtotal: null, mfree: null })], 4);
    expect(t).toMatchObject({ ctotal: 0, cfree: 0, mtotal: 0, mfree: 0 });
  });
});
