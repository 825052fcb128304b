import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBody, opError, startMaster, type MasterHandle, writeHook } from './master-harness';

function readEnv(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('master hooks', () => {
  let m: MasterHandle;
  let out: string;
  beforeAll(async () => {
    m = await startMaster();
    const hooks = join(m.dataDir, 'master', 'hooks');
    out = join(m.dataDir, 'hook-out');
    mkdirSync(out);
    const dump = `env -0 > ${out}/$GANETI_HOOKS_PHASE-$GANETI_INSTANCE_NAME.env; readlink /proc/self/fd/0 > ${out}/stdin; echo "$0" >> ${out}/order`;
    writeHook(join(hooks, 'instance-add-pre.d'), '10-dump', dump);
    writeHook(join(hooks, 'instance-add-pre.d'), '20-second', `echo "$0" >> ${out}/order`);
    writeHook(
      join(hooks, 'instance-add-pre.d'),
      '30-not-executable',
      `echo "$0" >> ${out}/order`,
      0o644,
    );
    writeHook(join(hooks, 'instance-add-pre.d'), 'bad.name', `echo "$0" >> ${out}/order`);
    writeHook(join(hooks, 'instance-add-post.d'), '10-dump', dump);
    writeHook(
      join(hooks, 'instance-remove-pre.d'),
      '50-refuse',
      'if [ "$GANETI_INSTANCE_NAME" = nefos-keep ]; then echo "refusing to remove $GANETI_INSTANCE_NAME"; exit 3; fi',
    );
    writeHook(join(hooks, 'instance-stop-post.d'), '10-fail', 'echo "post hook trouble"; exit 1');
  });
  afterAll(() => m.stop());

  it('gives hooks the Ganeti environment, and nothing else, in sorted order with stdin from /dev/null', async () => {
    const body = createBody('nefos-h1', {
      nics: [{ mode: 'routed', ip: '10.9.0.7', mac: 'aa:00:00:00:00:07' }],
    });
    expect(
      (await m.job((await m.call<number>('POST', '/2/instances', { body })).body)).status,
    ).toBe('success');
    const pre = readEnv(join(out, 'pre-nefos-h1.env'));
    const node = (await m.call<Array<{ id: string }>>('GET', '/2/nodes')).body[0].id;
    expect(pre).toMatchObject({
      GANETI_HOOKS_VERSION: '2',
      GANETI_HOOKS_PHASE: 'pre',
      GANETI_HOOKS_PATH: 'instance-add',
      GANETI_OP_CODE: 'OP_INSTANCE_CREATE',
      GANETI_OBJECT_TYPE: 'INSTANCE',
      GANETI_CLUSTER: 'nefos-local',
      GANETI_MASTER: node,
      GANETI_INSTANCE_NAME: 'nefos-h1',
      GANETI_INSTANCE_PRIMARY: node,
      GANETI_INSTANCE_OS_TYPE: 'nefos-image+default',
      GANETI_INSTANCE_STATUS: 'up',
      GANETI_INSTANCE_MEMORY: '128',
      GANETI_INSTANCE_VCPUS: '1',
      GANETI_INSTANCE_NIC_COUNT: '1',
      GANETI_INSTANCE_NIC0_MAC: 'aa:00:00:00:00:07',
      GANETI_INSTANCE_NIC0_IP: '10.9.0.7',
      GANETI_INSTANCE_NIC0_MODE: 'routed',
      GANETI_INSTANCE_NIC0_LINK: '',
      GANETI_INSTANCE_NIC0_NETWORK_NAME: '',
      GANETI_INSTANCE_DISK_COUNT: '1',
      GANETI_INSTANCE_DISK0_SIZE: '1024',
    });
    // A cleared environment: the master's own variables do not leak into hooks.
    expect(
      Object.keys(pre).filter(
        (k) =>
          !k.startsWith('GANETI_') && k !== 'PATH' && k !== 'PWD' && k !== 'SHLVL' && k !== '_',
      ),
    ).toEqual([]);
    expect(pre.NEFOS_RAPI_PASSWORD).toBeUndefined();
    const post = readEnv(join(out, 'post-nefos-h1.env'));
    expect(post).toMatchObject({
      GANETI_HOOKS_PHASE: 'post',
      GANETI_INSTANCE_NAME: 'nefos-h1',
      GANETI_POST_INSTANCE_NAME: 'nefos-h1',
      GANETI_POST_INSTANCE_STATUS: 'up',
    });
    expect(readFileSync(join(out, 'stdin'), 'utf8').trim()).toBe('/dev/null');
    const order = readFileSync(join(out, 'order'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('/').pop());
    expect(order).toEqual(['10-dump', '20-second', '10-dump']);
  });

  it('aborts the opcode when a pre hook fails, with the hook output in the job log', async () => {
    expect(
      (
        await m.job(
          (await m.call<number>('POST', '/2/instances', { body: createBody('nefos-keep') })).body,
        )
      ).status,
    ).toBe('success');
    const job = await m.job((await m.call<number>('DELETE', '/2/instances/nefos-keep')).body);
    expect(job.status).toBe('error');
    const [cls, args] = opError(job);
    expect(cls).toBe('HooksAbort');
    expect(args).toEqual([[[expect.any(String), '50-refuse', 'refusing to remove nefos-keep\n']]]);
    expect(job.oplog[0].map((l) => l[3]).join('\n')).toMatch(
      /50-refuse failed .*refusing to remove nefos-keep/,
    );
    expect(
      (await m.call<Record<string, unknown>>('GET', '/2/instances/nefos-keep')).body.status,
    ).toBe('running');
  });

  it('only logs a failing post hook', async () => {
    const job = await m.job(
      (await m.call<number>('PUT', '/2/instances/nefos-keep/shutdown', { body: { timeout: 0 } }))
        .body,
    );
    expect(job.status).toBe('success');
    expect(job.oplog[0].map((l) => l[3]).join('\n')).toMatch(
      /Post hook instance-stop\/10-fail failed: post hook trouble/,
    );
  });
});
