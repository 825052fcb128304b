import type { OpEvent } from '@nefos/contracts';
import {
  isUnknownInstance,
  opError,
  planOpEvent,
  resubmittedPlan,
  type ServerFacts,
} from './op-rules';

const base: ServerFacts = {
  operstate: 'BUILD',
  deleted: false,
  task: 'spawning',
  taskJobId: 7,
  backendJobId: null,
  backendJobStatus: null,
  backendOpcode: null,
  backendTime: null,
  backendEventTime: null,
  launchedAt: null,
};

function msg(partial: Partial<OpEvent>): OpEvent {
  return {
    type: 'op',
    cluster: 'c',
    jobId: 7,
    opIndex: 0,
    operation: 'OP_INSTANCE_CREATE',
    status: 'success',
    eventTime: [1000, 0],
    logmsg: '',
    instance: 'nefos-x',
    jobFields: {},
    ...partial,
  };
}

describe('planOpEvent', () => {
  it('starts a created server, clears its task, launches it and accepts its commission', () => {
    const p = planOpEvent(base, msg({}));
    expect(p).toMatchObject({
      outcome: 'applied',
      state: 'STARTED',
      advanceTime: true,
      clearTask: true,
      launched: true,
      settle: 'accept',
      sync: true,
    });
  });

  it('leaves a server created with start=false stopped', () => {
    expect(planOpEvent(base, msg({ jobFields: { start: false } })).state).toBe('STOPPED');
  });

  it('changes no state for a success older than the last applied one', () => {
    const server = { ...base, operstate: 'STOPPED' as const, backendTime: 2_000_000_000n };
    const p = planOpEvent(server, msg({ operation: 'OP_INSTANCE_STARTUP', eventTime: [1500, 0] }));
    expect(p.state).toBeNull();
    expect(p.advanceTime).toBe(false);
  });

  it('never lets an error overwrite a newer success', () => {
    const server = {
      ...base,
      operstate: 'STARTED' as const,
      backendTime: 2_000_000_000n,
      task: null,
    };
    const p = planOpEvent(server, msg({ status: 'error', eventTime: [1999, 999999] }));
    expect(p.state).toBeNull();
    expect(p.fault).toBeNull();
  });

  it('puts a failed create in ERROR with the backend message and rejects the commission', () => {
    const p = planOpEvent(
      base,
      msg({
        status: 'error',
        result: ['OpPrereqError', ['Not enough memory on node1', 'insufficient_resources']],
        logmsg: 'allocating',
      }),
    );
    expect(p).toMatchObject({
      state: 'ERROR',
      resourcesError: true,
      settle: 'reject',
      clearTask: true,
      fault: { code: 500, message: 'Not enough memory on node1' },
    });
    expect(p.fault!.details).toContain('OpPrereqError');
  });

  it('records a queued or running message as bookkeeping only', () => {
    const p = planOpEvent(base, msg({ status: 'running' }));
    expect(p).toMatchObject({
      outcome: 'recorded',
      bookkeeping: true,
      state: null,
      clearTask: false,
    });
  });

  it('does not record bookkeeping from a message older than the last one recorded', () => {
    const server = { ...base, backendEventTime: 5_000_000_000n };
    const p = planOpEvent(server, msg({ status: 'running', eventTime: [10, 0] }));
    expect(p.bookkeeping).toBe(false);
    expect(p.outcome).toBe('stale');
  });

  it('recognises a redelivered message as a duplicate', () => {
    const server: ServerFacts = {
      ...base,
      operstate: 'STARTED',
      task: null,
      taskJobId: null,
      backendJobId: 7,
      backendJobStatus: 'success',
      backendOpcode: 'OP_INSTANCE_CREATE',
      backendTime: 1_000_000_000n,
      backendEventTime: 1_000_000_000n,
      launchedAt: new Date(),
    };
    const p = planOpEvent(server, msg({}));
    expect(p.outcome).toBe('duplicate');
    expect(p.state).toBeNull();
  });

  it('destroys on remove, and on a failed remove of an instance the backend does not know', () => {
    const live = { ...base, operstate: 'STARTED' as const, task: 'deleting', taskJobId: 9 };
    expect(planOpEvent(live, msg({ jobId: 9, operation: 'OP_INSTANCE_REMOVE' }))).toMatchObject({
      destroy: true,
      settle: 'accept',
    });
    const unknown = planOpEvent(
      live,
      msg({
        jobId: 9,
        operation: 'OP_INSTANCE_REMOVE',
        status: 'error',
        result: ['OpPrereqError', ["Instance 'nefos-x' not known", 'unknown_entity']],
      }),
    );
    expect(unknown.destroy).toBe(true);
    const other = planOpEvent(
      live,
      msg({
        jobId: 9,
        operation: 'OP_INSTANCE_REMOVE',
        status: 'error',
        result: ['OpExecError', ['disk busy']],
      }),
    );
    expect(other.destroy).toBe(false);
    expect(other.clearTask).toBe(true);
    expect(other.settle).toBe('reject');
  });

  it('marks a finished resize as waiting for confirmation', () => {
    const server = { ...base, operstate: 'STARTED' as const, task: 'resize_prep', taskJobId: 11 };
    const p = planOpEvent(server, msg({ jobId: 11, operation: 'OP_INSTANCE_SET_PARAMS' }));
    expect(p).toMatchObject({ resize: 'pending', clearTask: true, settle: 'accept', state: null });
  });

  it('clears a task only for the job it waits for', () => {
    const server = { ...base, operstate: 'STARTED' as const, task: 'powering-off', taskJobId: 12 };
    expect(
      planOpEvent(server, msg({ jobId: 11, operation: 'OP_INSTANCE_SHUTDOWN' })).clearTask,
    ).toBe(false);
    expect(
      planOpEvent(server, msg({ jobId: 12, operation: 'OP_INSTANCE_SHUTDOWN' })).clearTask,
    ).toBe(true);
  });
});

describe('opError', () => {
  it('reads Ganeti error results', () => {
    expect(opError(['OpExecError', ['Could not start instance']], '')).toMatchObject({
      errorClass: 'OpExecError',
      message: 'Could not start instance',
    });
    expect(opError(null, 'last log line').message).toBe('last log line');
    expect(
      opError(['HooksAbort', [[['node1', '10-freeze', 'no reboots today\n']]]], 'log'),
    ).toEqual({
      errorClass: 'HooksAbort',
      message: 'A pre hook refused the operation (10-freeze: no reboots today)',
      kind: null,
    });
    expect(isUnknownInstance(['OpPrereqError', ['x', 'unknown_entity']], '')).toBe(true);
  });
});

describe('resubmission after a master crash', () => {
  const unclean = ['OpExecError', ['Unclean master daemon shutdown while ...', 'unclean_shutdown']];
  const stopping: ServerFacts = {
    ...base,
    operstate: 'STARTED',
    task: 'powering-off',
    taskJobId: 9,
    backendJobId: 9,
    backendJobStatus: 'running',
    backendTime: 900_000_000n,
  };
  const cut = msg({
    jobId: 9,
    operation: 'OP_INSTANCE_SHUTDOWN',
    status: 'error',
    result: unclean,
  });

  it('asks for one when the job behind the task died with the master', () => {
    expect(planOpEvent(stopping, cut).resubmit).toBe(true);
    // Ganeti's own marker: the whole result is its fixed string.
    const ganeti = msg({ ...cut, result: 'Unclean master daemon shutdown' });
    expect(planOpEvent(stopping, ganeti).resubmit).toBe(true);
  });

  it('does not for other failures, other jobs, or a redelivered copy once the task moved on', () => {
    const wrongState = msg({ ...cut, result: ['OpPrereqError', ['x', 'wrong_state']] });
    expect(planOpEvent(stopping, wrongState).resubmit).toBe(false);
    // A message only quoting the words is not the marker.
    expect(
      planOpEvent(
        stopping,
        msg({ ...cut, result: ['OpExecError', ['Unclean master daemon shutdown']] }),
      ).resubmit,
    ).toBe(false);
    expect(planOpEvent({ ...stopping, taskJobId: 10 }, cut).resubmit).toBe(false);
    expect(planOpEvent({ ...stopping, task: null, taskJobId: null }, cut).resubmit).toBe(false);
    const rebuild = msg({ ...cut, operation: 'OP_INSTANCE_REINSTALL' });
    expect(planOpEvent({ ...stopping, task: 'rebuilding' }, rebuild).resubmit).toBe(false);
  });

  it('keeps the task and the state when resubmitted, and a failed create does not go to ERROR', () => {
    const building: ServerFacts = { ...base, backendJobId: 7, backendJobStatus: 'running' };
    const createCut = msg({ status: 'error', result: unclean });
    const plan = planOpEvent(building, createCut);
    expect(plan).toMatchObject({ resubmit: true, state: 'ERROR', clearTask: true });
    expect(resubmittedPlan(plan)).toMatchObject({
      outcome: 'resubmitted',
      state: null,
      fault: null,
      clearTask: false,
      settle: null,
      resourcesError: false,
      advanceTime: true,
    });
    // The copy redelivered after the resubmission (task on job 8, time advanced) does nothing.
    const after: ServerFacts = {
      ...building,
      taskJobId: 8,
      backendJobId: 7,
      backendJobStatus: 'error',
      backendOpcode: 'OP_INSTANCE_CREATE',
      backendTime: 1_000_000_000n,
      backendEventTime: 1_000_000_000n,
    };
    expect(planOpEvent(after, createCut)).toMatchObject({
      outcome: 'duplicate',
      state: null,
      resubmit: false,
    });
  });
});
