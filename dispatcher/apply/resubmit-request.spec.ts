import type { RapiClient, RapiJob } from '@nefos/contracts';
import { resubmitRequest } from './resubmit-request';

function job(input: Record<string, unknown>, extra: Array<Record<string, unknown>> = []): RapiJob {
  return {
    id: 41,
    ops: [input, ...extra],
    status: 'error',
    summary: null,
    opstatus: null,
    opresult: null,
    oplog: null,
    received_ts: null,
    start_ts: null,
    end_ts: null,
  };
}

/** A client that records the one call made through it. */
function recorder(): { rapi: RapiClient; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const rapi = new Proxy(
    {},
    {
      get:
        (_t, name) =>
        (...args: unknown[]) => {
          calls.push([name, ...args]);
          return Promise.resolve(42);
        },
    },
  ) as RapiClient;
  return { rapi, calls };
}

const REASON = [['gnt:user', 'req-x', 1]];

describe('resubmitRequest', () => {
  it('sends a create again as it was, without the secret the job file only holds redacted', async () => {
    const r = resubmitRequest(
      job({
        OP_ID: 'OP_INSTANCE_CREATE',
        instance_name: 'nefos-a',
        os_type: 'nefos-image+default',
        mode: 'create',
        disk_template: 'file',
        disks: [{ size: 1024 }],
        nics: [{ mac: 'aa:00:00:00:00:01', ip: '10.99.0.5' }],
        beparams: { vcpus: 1, maxmem: 64, minmem: 64 },
        osparams: { img_id: 'nefos-tiny', img_format: 'diskdump', img_passwd: '<redacted>' },
        iallocator: null,
        dry_run: false,
        start: true,
        reason: REASON,
      }),
      0,
    );
    if (!r.ok) throw new Error(r.why);
    expect(r.notes).toEqual([
      'the admin password was not sent again (the backend keeps no copy of it)',
    ]);
    const { rapi, calls } = recorder();
    expect(await r.submit(rapi, 'req-x')).toBe(42);
    expect(calls).toEqual([
      [
        'createInstance',
        {
          name: 'nefos-a',
          os: 'nefos-image+default',
          mode: 'create',
          disk_template: 'file',
          disks: [{ size: 1024 }],
          nics: [{ mac: 'aa:00:00:00:00:01', ip: '10.99.0.5' }],
          beparams: { vcpus: 1, maxmem: 64, minmem: 64 },
          osparams: { img_id: 'nefos-tiny', img_format: 'diskdump' },
          start: true,
        },
        { reason: 'req-x' },
      ],
    ]);
  });

  it.each([
    [
      { OP_ID: 'OP_INSTANCE_STARTUP', force: false },
      ['startupInstance', 'nefos-a', { reason: 'r' }],
    ],
    [
      { OP_ID: 'OP_INSTANCE_SHUTDOWN', timeout: 30 },
      ['shutdownInstance', 'nefos-a', { reason: 'r', timeout: 30 }],
    ],
    [
      { OP_ID: 'OP_INSTANCE_REBOOT', reboot_type: 'soft' },
      ['rebootInstance', 'nefos-a', 'soft', { reason: 'r' }],
    ],
    [
      { OP_ID: 'OP_INSTANCE_REMOVE', shutdown_timeout: 5, ignore_failures: false },
      ['deleteInstance', 'nefos-a', { reason: 'r', shutdownTimeout: 5 }],
    ],
    [
      { OP_ID: 'OP_INSTANCE_SET_PARAMS', beparams: { vcpus: 2 } },
      ['modifyInstance', 'nefos-a', { beparams: { vcpus: 2 } }, { reason: 'r' }],
    ],
  ])('sends %j again through the matching RAPI call', async (input, call) => {
    const r = resubmitRequest(job({ ...input, instance_name: 'nefos-a', reason: REASON }), 0);
    if (!r.ok) throw new Error(r.why);
    const { rapi, calls } = recorder();
    await r.submit(rapi, 'r');
    expect(calls).toEqual([call]);
  });

  it('refuses what cannot be repeated as it was', () => {
    const why = (j: RapiJob, i = 0) => {
      const r = resubmitRequest(j, i);
      return r.ok ? null : r.why;
    };
    const name = { instance_name: 'nefos-a' };
    // A password change without its password changes nothing.
    expect(
      why(
        job({ OP_ID: 'OP_INSTANCE_SET_PARAMS', ...name, osparams: { img_passwd: '<redacted>' } }),
      ),
    ).toMatch(/only secrets/);
    // A rebuild is several ops; some may have run.
    expect(
      why(
        job({ OP_ID: 'OP_INSTANCE_SHUTDOWN', ...name }, [
          { OP_ID: 'OP_INSTANCE_REINSTALL', ...name },
        ]),
      ),
    ).toMatch(/single-op/);
    expect(why(job({ OP_ID: 'OP_INSTANCE_REINSTALL', ...name }))).toMatch(/not sent again/);
    expect(why(job({ OP_ID: 'OP_INSTANCE_STARTUP', ...name, force: true }))).toMatch(/force/);
    expect(why(job({ OP_ID: 'OP_INSTANCE_STARTUP' }))).toMatch(/names no instance/);
  });
});
