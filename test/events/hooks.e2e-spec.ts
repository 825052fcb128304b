import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { QueueName } from '../../libs/contracts/src';
import { installHooks, HOOK_SCRIPT_NAME } from '../../hooks/hooks.installer';
import { ROOT } from '../support/processes';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { QueueInspector } from './support/queues';

const INSTANCE = 'nefos-3f1c2b4a-9d8e-4f70-8a6b-1c2d3e4f5a6b';

describe('hooks', () => {
  let env: TestEnv;
  let inspector: QueueInspector;
  let hooksDir: string;

  beforeAll(async () => {
    env = await createTestEnv();
    inspector = new QueueInspector(env.config);
    hooksDir = env.config.master.hooksDir;
    installHooks(
      hooksDir,
      { redisUrl: env.redisUrl, redisPrefix: env.redisPrefix, cluster: 'nefos-local' },
      { node: process.execPath, entry: join(ROOT, 'dist/hooks/main.js') },
    );
  });
  afterAll(async () => {
    await inspector.close();
    await env.cleanup();
  });

  it('installs one executable per hook path with a name Ganeti runs', () => {
    for (const hpath of ['instance-add', 'instance-start', 'instance-reboot', 'instance-modify']) {
      const d = join(hooksDir, `${hpath}-post.d`);
      expect(readdirSync(d)).toEqual([HOOK_SCRIPT_NAME]);
      expect(statSync(join(d, HOOK_SCRIPT_NAME)).mode & 0o111).not.toBe(0);
      expect(HOOK_SCRIPT_NAME).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(statSync(join(hooksDir, 'nefos-hooks.json')).mode & 0o077).toBe(0);
  });

  it('publishes NICs, firewall and progress from a cleared GANETI_* environment', () => {
    const script = join(hooksDir, 'instance-add-post.d', HOOK_SCRIPT_NAME);
    const run = () =>
      spawnSync(script, [], {
        // As Ganeti runs hooks: nothing but the hook variables (and no PATH at all).
        env: {
          GANETI_HOOKS_VERSION: '2',
          GANETI_HOOKS_PHASE: 'post',
          GANETI_HOOKS_PATH: 'instance-add',
          GANETI_OP_CODE: 'OP_INSTANCE_CREATE',
          GANETI_OBJECT_TYPE: 'INSTANCE',
          GANETI_INSTANCE_NAME: INSTANCE,
          GANETI_INSTANCE_NIC_COUNT: '1',
          GANETI_INSTANCE_NIC0_MAC: 'aa:00:00:11:22:33',
          GANETI_INSTANCE_NIC0_IP: '10.99.0.5',
          GANETI_INSTANCE_TAGS: 'nefos:firewall:0:PROTECTED',
          GANETI_POST_INSTANCE_NAME: INSTANCE,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30000,
      });
    const first = run();
    expect(first.stderr.toString()).toBe('');
    expect(first.status).toBe(0);
    expect(run().status).toBe(0); // the same facts again: deduplicated
    return Promise.all([
      inspector.jobs(QueueName.Network),
      inspector.jobs(QueueName.Progress),
    ]).then(([network, progress]) => {
      expect(network).toHaveLength(1);
      expect(network[0].data).toMatchObject({
        type: 'network',
        cluster: 'nefos-local',
        instance: INSTANCE,
        nics: [expect.objectContaining({ mac: 'aa:00:00:11:22:33', ip: '10.99.0.5' })],
        firewall: [{ nic: 0, profile: 'PROTECTED' }],
      });
      expect(progress).toHaveLength(1);
      expect(progress[0].data).toMatchObject({ instance: INSTANCE, progress: 100 });
    });
  });

  it('fails (logged by the master, op unaffected) when Redis does not answer', () => {
    const bad = join(env.dataDir, 'bad-hooks');
    installHooks(
      bad,
      { redisUrl: 'redis://127.0.0.1:1', redisPrefix: 'x', cluster: 'c' },
      { node: process.execPath, entry: join(ROOT, 'dist/hooks/main.js') },
    );
    const r = spawnSync(join(bad, 'instance-start-post.d', HOOK_SCRIPT_NAME), [], {
      env: {
        GANETI_HOOKS_PHASE: 'post',
        GANETI_HOOKS_PATH: 'instance-start',
        GANETI_OP_CODE: 'OP_INSTANCE_STARTUP',
        GANETI_OBJECT_TYPE: 'INSTANCE',
        GANETI_INSTANCE_NAME: INSTANCE,
      },
      timeout: 30000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toMatch(/nefos hook/);
  });
});
