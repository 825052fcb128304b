import { instanceActions, type TrailRow } from './instance-actions.view';

const SERVER = { id: 'f0000000-0000-4000-8000-000000000001', projectId: 'p1' };
const REQ1 = 'req-00000000-0000-4000-8000-000000000001';
const REQ2 = 'req-00000000-0000-4000-8000-000000000002';
const REQ3 = 'req-00000000-0000-4000-8000-000000000003';

let seq = 0n;
function row(r: Partial<TrailRow> & Pick<TrailRow, 'source' | 'message'>): TrailRow {
  seq += 1n;
  return {
    id: seq,
    at: new Date(Date.UTC(2030, 0, 1, 0, 0, Number(seq))),
    requestId: null,
    jobId: null,
    opcode: null,
    status: null,
    data: null,
    ...r,
  };
}

function asked(requestId: string, action: string, jobId: number, opcode: string): TrailRow[] {
  return [
    row({ source: 'api', requestId, message: `${action} requested by user u1` }),
    row({
      source: 'rapi',
      requestId,
      jobId,
      opcode,
      status: 'queued',
      message: `${opcode} submitted to c as job ${jobId}`,
    }),
  ];
}

describe('instanceActions', () => {
  it('lists accepted requests most recent first, with the backend job as the event', () => {
    const rows = [
      ...asked(REQ1, 'stop', 10, 'OP_INSTANCE_SHUTDOWN'),
      row({
        source: 'event',
        requestId: REQ1,
        jobId: 10,
        opcode: 'OP_INSTANCE_SHUTDOWN',
        status: 'success',
        message: 'OP_INSTANCE_SHUTDOWN success',
        data: { outcome: 'applied' },
      }),
      ...asked(REQ2, 'start', 11, 'OP_INSTANCE_STARTUP'),
    ];
    const actions = instanceActions(SERVER, rows, false);
    expect(actions.map((a) => [a.action, a.request_id, a.message, a.user_id])).toEqual([
      ['start', REQ2, null, 'u1'],
      ['stop', REQ1, null, 'u1'],
    ]);
    expect(actions[1].events).toEqual([
      {
        event: 'OP_INSTANCE_SHUTDOWN',
        start_time: expect.stringMatching(/^2030-01-01T00:00:\d\d\.\d{6}$/),
        finish_time: expect.stringMatching(/^2030-01-01T00:00:\d\d\.\d{6}$/),
        result: 'Success',
      },
    ]);
    // Still running: no result, no message.
    expect(actions[0].events[0]).toMatchObject({ result: null, finish_time: null });
  });

  it("shows a failed job's reason in message, and the details to admins only", () => {
    const rows = [
      ...asked(REQ1, 'reboot', 12, 'OP_INSTANCE_REBOOT'),
      row({
        source: 'event',
        requestId: REQ1,
        jobId: 12,
        opcode: 'OP_INSTANCE_REBOOT',
        status: 'error',
        message: 'OP_INSTANCE_REBOOT error: some log line',
        data: {
          outcome: 'applied',
          error: {
            errorClass: 'OpPrereqError',
            kind: 'wrong_state',
            message: 'Instance x is marked to be down, cannot reboot',
          },
        },
      }),
    ];
    const [user] = instanceActions(SERVER, rows, false);
    expect(user.message).toBe('Error: Instance x is marked to be down, cannot reboot');
    expect(user.events[0].result).toBe('Error');
    expect(user.events[0]).not.toHaveProperty('traceback');
    const [admin] = instanceActions(SERVER, rows, true);
    expect(admin.events[0].traceback).toBe(
      'job 12: OpPrereqError (wrong_state): Instance x is marked to be down, cannot reboot',
    );
  });

  it('shows a job cut short by a master crash and its resubmission as two events of one action', () => {
    const rows = [
      ...asked(REQ1, 'stop', 20, 'OP_INSTANCE_SHUTDOWN'),
      row({
        source: 'event',
        requestId: REQ1,
        jobId: 20,
        opcode: 'OP_INSTANCE_SHUTDOWN',
        status: 'error',
        message: 'OP_INSTANCE_SHUTDOWN error: Unclean master daemon shutdown',
        data: {
          outcome: 'resubmitted',
          notes: ['task powering-off now waits for job 21'],
          error: { errorClass: 'OpExecError', kind: 'unclean_shutdown', message: 'Unclean...' },
        },
      }),
      row({
        source: 'rapi',
        requestId: REQ1,
        jobId: 21,
        opcode: 'OP_INSTANCE_SHUTDOWN',
        status: 'queued',
        message: 'OP_INSTANCE_SHUTDOWN submitted again to c as job 21',
      }),
      row({
        source: 'event',
        requestId: REQ1,
        jobId: 21,
        opcode: 'OP_INSTANCE_SHUTDOWN',
        status: 'success',
        message: 'OP_INSTANCE_SHUTDOWN success',
      }),
    ];
    const [a] = instanceActions(SERVER, rows, true);
    expect(a.message).toBeNull();
    expect(a.events.map((e) => e.result)).toEqual(['Error', 'Success']);
    expect(a.events[0].traceback).toContain('now waits for job 21');
  });

  it('leaves out refused requests, renames and lines without a request', () => {
    const rows = [
      row({ source: 'api', requestId: REQ1, message: 'start requested by user u1' }),
      row({ source: 'api', requestId: REQ1, message: "start refused: Cannot 'start' instance" }),
      row({ source: 'api', requestId: REQ2, message: 'update by user u1: name' }),
      row({ source: 'event', message: 'hook OP_INSTANCE_CREATE success: no change' }),
      row({
        source: 'api',
        requestId: REQ3,
        message: 'confirmResize by user u2: flavor f1 kept',
      }),
    ];
    expect(instanceActions(SERVER, rows, false).map((a) => [a.action, a.user_id])).toEqual([
      ['confirmResize', 'u2'],
    ]);
  });

  it('reports a create that never reached a backend as an error', () => {
    const rows = [
      row({
        source: 'api',
        requestId: REQ1,
        message: 'create requested by user u1: flavor m1.tiny, image nefos-tiny',
      }),
      row({ source: 'api', requestId: REQ1, message: 'create failed: No valid host was found.' }),
    ];
    const [a] = instanceActions(SERVER, rows, false);
    expect([a.action, a.message, a.events]).toEqual([
      'create',
      'Error: No valid host was found.',
      [],
    ]);
  });
});
