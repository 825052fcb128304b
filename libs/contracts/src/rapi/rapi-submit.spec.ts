import { matchJob, submitOnce } from './rapi-submit';
import type { RapiClient } from './rapi.client';
import { RapiError } from './rapi.errors';
import type { RapiJob } from './rapi.types';

const job = (id: number, op: Record<string, unknown>): RapiJob =>
  ({ id, ops: [op], status: 'queued' }) as unknown as RapiJob;

describe('matchJob', () => {
  const who = { reason: 'req-1', opcode: 'OP_INSTANCE_STARTUP', instance: 'nefos-a' };

  it('finds the job of this request on this instance', () => {
    const jobs = [
      job(7, {
        OP_ID: 'OP_INSTANCE_STARTUP',
        instance_name: 'nefos-b',
        reason: [['gnt:user', 'req-1', 1]],
      }),
      job(8, {
        OP_ID: 'OP_INSTANCE_SHUTDOWN',
        instance_name: 'nefos-a',
        reason: [['gnt:user', 'req-1', 1]],
      }),
      job(9, {
        OP_ID: 'OP_INSTANCE_STARTUP',
        instance_name: 'nefos-a',
        reason: [
          ['gnt:library', 'rlib2', 1],
          ['gnt:user', 'req-1', 2],
        ],
      }),
    ];
    expect(matchJob(jobs, who)).toBe(9);
  });

  it('finds nothing when no job carries the request id', () => {
    const jobs = [
      job(9, {
        OP_ID: 'OP_INSTANCE_STARTUP',
        instance_name: 'nefos-a',
        reason: [['gnt:user', 'req-2', 1]],
      }),
    ];
    expect(matchJob(jobs, who)).toBeNull();
    expect(matchJob([{ id: 3, ops: null } as unknown as RapiJob], who)).toBeNull();
  });
});

describe('submitOnce', () => {
  const who = { reason: 'req-1', opcode: 'OP_INSTANCE_STARTUP', instance: 'nefos-a' };
  const timeout = new RapiError('timed out', 'timeout', null);
  const landed = job(42, {
    OP_ID: 'OP_INSTANCE_STARTUP',
    instance_name: 'nefos-a',
    reason: [['gnt:user', 'req-1', 1]],
  });
  const rapiWith = (...answers: RapiJob[][]): RapiClient => {
    const listJobs = jest.fn();
    for (const a of answers) listJobs.mockResolvedValueOnce(a);
    return { listJobs } as unknown as RapiClient;
  };

  it('adopts the job a timed-out write created', async () => {
    const rapi = rapiWith([], [landed]);
    await expect(submitOnce(rapi, who, () => Promise.reject(timeout), 3, 1)).resolves.toBe(42);
    expect(rapi.listJobs).toHaveBeenCalledTimes(2);
  });

  it('reports the timeout when no job of this request appeared', async () => {
    const rapi = rapiWith([], [], []);
    await expect(submitOnce(rapi, who, () => Promise.reject(timeout), 3, 1)).rejects.toBe(timeout);
  });

  it('does not look for a job when the master answered with a refusal', async () => {
    const refused = new RapiError('failed with 400: bad', 'http', 400);
    const rapi = rapiWith([landed]);
    await expect(submitOnce(rapi, who, () => Promise.reject(refused), 3, 1)).rejects.toBe(refused);
    expect(rapi.listJobs).not.toHaveBeenCalled();
  });
});
