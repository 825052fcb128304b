import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RAPI_PASSWORD, startMaster, type MasterHandle } from './master-harness';

const GANETI_CLIENT = '/usr/lib/python3/dist-packages/ganeti/rapi/client.py';
const run = promisify(execFile);

// Debian's python3-ganeti-rapi (installed by .ci/run) is Ganeti's own RAPI client library.
(existsSync(GANETI_CLIENT) ? describe : describe.skip)(
  'Ganeti RAPI client (python3-ganeti-rapi) against the master',
  () => {
    let m: MasterHandle;
    beforeAll(async () => {
      m = await startMaster();
    });
    afterAll(() => m.stop());

    it('creates, drives and removes an instance with ganeti.rapi.client', async () => {
      const { stdout } = await run(
        '/usr/bin/python3',
        [join(__dirname, 'ganeti-client-check.py'), String(m.port), RAPI_PASSWORD, 'nefos-gnt1'],
        { timeout: 120000 },
      );
      const out = JSON.parse(stdout) as Record<string, unknown>;
      expect(out).toMatchObject({
        version: 2,
        info_name: 'nefos-local',
        create_job_is_int: true,
        create: ['success', true],
        instance: {
          name: 'nefos-gnt1',
          status: 'running',
          'nic.ips': ['10.7.0.9'],
          'disk.sizes': [256],
          oper_state: true,
        },
        instances: ['nefos-gnt1'],
        shutdown: ['success', true],
        startup: ['success', true],
        reboot: ['success', true],
        tags: ['success', true],
        instance_tags: ['compat'],
        console_kind: 'vnc',
        wait_change: ['success'],
        remove: ['success', true],
        after_remove: 404,
      });
      expect(out.features).toContain('instance-create-reqv1');
    });
  },
);
