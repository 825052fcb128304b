import { parseJobFile, JobFileError, jobStatus, lastLogMessage } from './job-file.parser';
import { requestIdFromReason } from '@nefos/contracts';
import { buildOpEvent, buildProgress, statusTime } from './event.builder';

const REQ = 'req-0b9d7c1e-2f7a-4c55-9a0e-6f1f3b2c8d11';

function file(ops: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: 42,
    received_timestamp: [1700000000, 100],
    start_timestamp: [1700000001, 0],
    end_timestamp: null,
    ops,
    ...extra,
  });
}

function op(opId: string, status: string, extra: Record<string, unknown> = {}): unknown {
  return {
    input: {
      OP_ID: opId,
      instance_name: 'nefos-0b9d7c1e-2f7a-4c55-9a0e-6f1f3b2c8d11',
      reason: [
        ['gnt:user', REQ, 1700000000000000000],
        ['gnt:client:rapi', 'PUT /2/instances/x/startup', 1700000000000000000],
      ],
      osparams: { img_passwd: 'secret' },
      beparams: { vcpus: 1, maxmem: 512 },
    },
    status,
    result: null,
    log: [
      [1, [1700000001, 5], 'message', 'first'],
      [2, [1700000002, 7], 'message', 'last line'],
    ],
    priority: 0,
    start_timestamp: [1700000001, 1],
    exec_timestamp: [1700000001, 2],
    end_timestamp: status === 'success' || status === 'error' ? [1700000003, 3] : null,
    ...extra,
  };
}

describe('parseJobFile', () => {
  it('reads a Ganeti job file and keeps op inputs', () => {
    const job = parseJobFile(file([op('OP_INSTANCE_STARTUP', 'running')]));
    expect(job.id).toBe(42);
    expect(job.ops[0].input.OP_ID).toBe('OP_INSTANCE_STARTUP');
    expect(lastLogMessage(job.ops[0])).toBe('last line');
  });

  it('accepts string ids as older Ganeti versions wrote them', () => {
    expect(parseJobFile(file([op('OP_INSTANCE_STARTUP', 'queued')], { id: '77' })).id).toBe(77);
  });

  it('reports a truncated file as truncated', () => {
    const text = file([op('OP_INSTANCE_STARTUP', 'queued')]);
    expect(() => parseJobFile(text.slice(0, text.length / 2))).toThrow(JobFileError);
    try {
      parseJobFile(text.slice(0, 40));
    } catch (err) {
      expect((err as JobFileError).truncated).toBe(true);
    }
    expect(() => parseJobFile('')).toThrow(/empty/);
  });

  it('refuses JSON that is not a job file, without calling it truncated', () => {
    for (const bad of ['{"id": 1}', '[1,2,3]', file([{ input: {}, status: 'bogus' }])]) {
      try {
        parseJobFile(bad);
        throw new Error('parsed');
      } catch (err) {
        expect(err).toBeInstanceOf(JobFileError);
        expect((err as JobFileError).truncated).toBe(false);
      }
    }
  });

  it('derives the job status from its ops as Ganeti does', () => {
    const s = (...st: string[]) =>
      jobStatus(parseJobFile(file(st.map((x) => op('OP_INSTANCE_STARTUP', x)))));
    expect(s('success', 'success')).toBe('success');
    expect(s('success', 'running')).toBe('running');
    expect(s('error', 'queued')).toBe('error');
    expect(s('queued', 'queued')).toBe('queued');
    expect(s('success', 'canceled')).toBe('canceled');
  });
});

describe('buildOpEvent', () => {
  it('builds an op event with the end timestamp, last log line and request id', () => {
    const job = parseJobFile(file([op('OP_INSTANCE_STARTUP', 'success')]));
    const ev = buildOpEvent('nefos-local', job, 0, [1, 0])!;
    expect(ev.readback).toBe(true);
    expect(ev.message).toMatchObject({
      type: 'op',
      cluster: 'nefos-local',
      jobId: 42,
      opIndex: 0,
      operation: 'OP_INSTANCE_STARTUP',
      status: 'success',
      eventTime: [1700000003, 3],
      logmsg: 'last line',
      requestId: REQ,
      instance: 'nefos-0b9d7c1e-2f7a-4c55-9a0e-6f1f3b2c8d11',
    });
    const fields = (ev.message as { jobFields: Record<string, unknown> }).jobFields;
    expect(fields.beparams).toEqual({ vcpus: 1, maxmem: 512 });
    expect(fields).not.toHaveProperty('osparams');
    expect(fields).not.toHaveProperty('reason');
  });

  it('uses the exec timestamp while running and the received one while queued', () => {
    const running = parseJobFile(file([op('OP_INSTANCE_SHUTDOWN', 'running')]));
    expect(statusTime(running, running.ops[0], [1, 0])).toEqual([1700000001, 2]);
    const queued = parseJobFile(
      file([op('OP_INSTANCE_SHUTDOWN', 'queued', { start_timestamp: null, exec_timestamp: null })]),
    );
    expect(statusTime(queued, queued.ops[0], [1, 0])).toEqual([1700000000, 100]);
  });

  it('reads nothing back after a shutdown', () => {
    const job = parseJobFile(file([op('OP_INSTANCE_SHUTDOWN', 'success')]));
    expect(buildOpEvent('c', job, 0, [1, 0])!.readback).toBe(false);
  });

  it('skips queries and dry runs, and publishes the heartbeat dry run', () => {
    const query = parseJobFile(file([op('OP_INSTANCE_QUERY_DATA', 'success')]));
    expect(buildOpEvent('c', query, 0, [1, 0])).toBeNull();
    const dry = parseJobFile(
      file([
        {
          ...(op('OP_INSTANCE_CREATE', 'success') as object),
          input: { OP_ID: 'OP_INSTANCE_CREATE', instance_name: 'x', dry_run: true },
        },
      ]),
    );
    expect(buildOpEvent('c', dry, 0, [1, 0])).toBeNull();
    const hb = parseJobFile(
      file([
        {
          input: {
            OP_ID: 'OP_TAGS_SET',
            kind: 'cluster',
            tags: ['nefos-heartbeat-abc123'],
            dry_run: true,
          },
          status: 'success',
          log: [],
          end_timestamp: [1700000009, 9],
        },
      ]),
    );
    expect(buildOpEvent('c', hb, 0, [1, 0])!.message).toMatchObject({
      type: 'cluster',
      kind: 'heartbeat',
      heartbeatId: 'abc123',
      eventTime: [1700000009, 9],
    });
  });

  it('publishes network ops on the network queue and node ops as cluster events', () => {
    const net = parseJobFile(
      file([
        {
          input: { OP_ID: 'OP_NETWORK_ADD', network_name: 'snf-net-1', network: '10.0.0.0/24' },
          status: 'success',
          log: [],
        },
      ]),
    );
    expect(buildOpEvent('c', net, 0, [1, 0])!.message).toMatchObject({
      type: 'network',
      network: 'snf-net-1',
      jobFields: { network: '10.0.0.0/24' },
    });
    const node = parseJobFile(
      file([
        {
          input: { OP_ID: 'OP_NODE_SET_PARAMS', node_name: 'n1', drained: true },
          status: 'success',
          log: [],
        },
      ]),
    );
    expect(buildOpEvent('c', node, 0, [1, 0])!.message).toMatchObject({
      type: 'cluster',
      kind: 'node-set-params',
    });
  });
});

describe('requestIdFromReason', () => {
  it('finds the API request id anywhere in the trail', () => {
    expect(requestIdFromReason([['gnt:user', `x ${REQ} y`, 1]])).toBe(REQ);
    expect(requestIdFromReason([['gnt:client:rapi', 'nothing', 1]])).toBeUndefined();
    expect(requestIdFromReason('oops')).toBeUndefined();
  });
});

describe('buildProgress', () => {
  it('reads a percentage from the log of a running create', () => {
    const job = parseJobFile(
      file([
        op('OP_INSTANCE_CREATE', 'running', {
          log: [
            [1, [1700000001, 0], 'message', 'Placing instance'],
            [2, [1700000002, 0], 'message', 'Copying image: 42% done'],
          ],
        }),
      ]),
    );
    expect(buildProgress('c', job, 0, [1, 0])).toMatchObject({
      progress: 42,
      message: { type: 'progress', progress: 42, eventTime: [1700000002, 0], status: 'running' },
    });
  });

  it('reads structured progress entries and ignores finished or other ops', () => {
    const running = parseJobFile(
      file([
        op('OP_INSTANCE_CREATE', 'running', { log: [[1, [5, 0], 'progress', { progress: 70 }]] }),
      ]),
    );
    expect(buildProgress('c', running, 0, [1, 0])?.progress).toBe(70);
    const done = parseJobFile(file([op('OP_INSTANCE_CREATE', 'success')]));
    expect(buildProgress('c', done, 0, [1, 0])).toBeNull();
    const other = parseJobFile(
      file([op('OP_INSTANCE_STARTUP', 'running', { log: [[1, [5, 0], 'message', '50%']] })]),
    );
    expect(buildProgress('c', other, 0, [1, 0])).toBeNull();
  });
});
