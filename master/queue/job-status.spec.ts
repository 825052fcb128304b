import type { OpStatus } from '@nefos/contracts';
import { jobStatus, opSummary } from './job-status';
import type { QueuedJob, QueuedOp } from './job.types';

const op = (
  status: OpStatus,
  input: Record<string, unknown> = { OP_ID: 'OP_INSTANCE_STARTUP' },
): QueuedOp => ({
  input: input as QueuedOp['input'],
  status,
  result: null,
  log: [],
  priority: 0,
  start_timestamp: null,
  exec_timestamp: null,
  end_timestamp: null,
});
const job = (...ops: QueuedOp[]): QueuedJob => ({
  id: 1,
  received_timestamp: [0, 0],
  start_timestamp: null,
  end_timestamp: null,
  ops,
});

describe('jobStatus', () => {
  it('derives the job status from its ops by Ganeti rules', () => {
    expect(jobStatus(job(op('queued'), op('queued')))).toBe('queued');
    expect(jobStatus(job(op('success'), op('waiting')))).toBe('waiting');
    expect(jobStatus(job(op('success'), op('running'), op('queued')))).toBe('running');
    expect(jobStatus(job(op('success'), op('success')))).toBe('success');
    expect(jobStatus(job(op('success'), op('error'), op('error')))).toBe('error');
    expect(jobStatus(job(op('canceled'), op('canceled')))).toBe('canceled');
  });

  it('summarises ops as OPCODE(name)', () => {
    expect(opSummary(op('queued', { OP_ID: 'OP_INSTANCE_CREATE', instance_name: 'i1' }))).toBe(
      'INSTANCE_CREATE(i1)',
    );
    expect(
      opSummary(op('queued', { OP_ID: 'OP_TAGS_SET', kind: 'cluster', tags: ['a', 'b'] })),
    ).toBe('TAGS_SET(cluster:a,b)');
  });
});
