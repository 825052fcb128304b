import { groupByRequest, type TrailEntry } from './server-trail.service';

const R1 = 'req-11111111-1111-4111-8111-111111111111';
const R2 = 'req-22222222-2222-4222-8222-222222222222';

function entry(
  id: number,
  source: string,
  requestId: string | null,
  jobId: number | null,
): TrailEntry {
  return {
    id: String(id),
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, id)).toISOString(),
    source,
    requestId,
    jobId,
    opcode: jobId ? 'OP_INSTANCE_CREATE' : null,
    status: null,
    message: `${source} ${id}`,
    data: null,
  };
}

describe('groupByRequest', () => {
  it('follows one request from the API call through its job, events and state change', () => {
    const groups = groupByRequest([
      entry(1, 'api', R1, null),
      entry(2, 'rapi', R1, 7),
      entry(3, 'event', R1, 7),
      entry(4, 'state', R1, 7),
      entry(5, 'api', R2, null),
    ]);
    expect(groups.map((g) => g.requestId)).toEqual([R1, R2]);
    expect(groups[0].sources).toEqual(['api', 'rapi', 'event', 'state']);
    expect(groups[0].jobIds).toEqual([7]);
    expect(groups[0].firstAt < groups[0].lastAt).toBe(true);
  });

  it('puts lines without a request id under the request that submitted their job', () => {
    const groups = groupByRequest([
      entry(1, 'rapi', R1, 9),
      entry(2, 'event', null, 9),
      entry(3, 'reconcile', null, null),
    ]);
    expect(groups).toHaveLength(2);
    expect(groups[0].entries.map((e) => e.source)).toEqual(['rapi', 'event']);
    expect(groups[1].requestId).toBeNull();
    expect(groups[1].entries.map((e) => e.source)).toEqual(['reconcile']);
  });
});
