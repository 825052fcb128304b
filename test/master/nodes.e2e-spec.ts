import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../support/processes';
import { createBody, startMaster, type MasterHandle, writeHook } from './master-harness';

async function cli(
  m: MasterHandle,
  ...args: string[]
): Promise<{ code: number | null; out: string }> {
  const p = startProcess('dist/master/main.js', m.env, args);
  const { code } = await p.exited();
  return { code, out: p.output() };
}

describe('master nodes, allocation and restarts', () => {
  let m: MasterHandle;
  let nodeDir: string;
  beforeAll(async () => {
    nodeDir = join(tmpdir(), `nefos-nodes-${process.pid}`);
    mkdirSync(nodeDir, { recursive: true });
    m = await startMaster({
      NEFOS_NODES: `n1=test://${nodeDir}/n1.xml,n2=test://${nodeDir}/n2.xml`,
    });
  });
  afterAll(async () => {
    await m.stop();
    rmSync(nodeDir, { recursive: true, force: true });
  });

  it('spreads creates over the nodes with the most free memory', async () => {
    const placed: string[] = [];
    for (const name of ['nefos-s1', 'nefos-s2', 'nefos-s3', 'nefos-s4']) {
      const job = await m.job(
        (await m.call<number>('POST', '/2/instances', { body: createBody(name) })).body,
      );
      expect(job.status).toBe('success');
      placed.push((job.opresult[0] as string[])[0]);
    }
    expect(placed.sort()).toEqual(['n1', 'n1', 'n2', 'n2']);
    const pinned = await m.job(
      (
        await m.call<number>('POST', '/2/instances', {
          body: createBody('nefos-pin', { pnode: 'n2' }),
        })
      ).body,
    );
    expect(pinned.opresult).toEqual([['n2']]);
  });

  it('reports an offline node, its instances as ERROR_nodeoffline, and places new instances elsewhere', async () => {
    expect(
      (
        await m.job(
          (await m.call<number>('POST', '/2/nodes/n2/modify', { body: { offline: true } })).body,
        )
      ).status,
    ).toBe('success');
    const nodes = (await m.call<Array<Record<string, unknown>>>('GET', '/2/nodes?bulk=1')).body;
    expect(nodes.find((n) => n.name === 'n2')).toMatchObject({
      offline: true,
      role: 'O',
      mfree: null,
    });
    const insts = (await m.call<Array<Record<string, unknown>>>('GET', '/2/instances?bulk=1')).body;
    for (const i of insts.filter((x) => x.pnode === 'n2'))
      expect(i).toMatchObject({ status: 'ERROR_nodeoffline', oper_state: null });
    const job = await m.job(
      (await m.call<number>('POST', '/2/instances', { body: createBody('nefos-s5') })).body,
    );
    expect(job.opresult).toEqual([['n1']]);
    const start = await m.job(
      (await m.call<number>('PUT', '/2/instances/nefos-pin/shutdown')).body,
    );
    expect(start.opresult[0]).toEqual([
      'OpPrereqError',
      ["Can't use offline node n2", 'wrong_state'],
    ]);
    expect(
      (await m.job((await m.call<number>('PUT', '/2/nodes/n2/role', { body: 'regular' })).body))
        .status,
    ).toBe('success');
    const back = (await m.call<Array<Record<string, unknown>>>('GET', '/2/instances?bulk=1')).body;
    expect(back.filter((x) => x.pnode === 'n2').map((x) => x.status)).toEqual([
      'running',
      'running',
      'running',
    ]);
  });

  it('adds, drains, lists and removes nodes with the master CLI', async () => {
    const add = await cli(m, 'node-add', 'n3', `test://${nodeDir}/n3.xml`);
    expect(add).toMatchObject({ code: 0 });
    const list = await cli(m, 'node-list');
    expect(list.out).toMatch(
      /^n3\s+test:\/\/\S+n3\.xml\s+C\s+up\s+32768\/32768 MiB\s+16 CPUs\s+0 instances$/m,
    );
    expect((await cli(m, 'node-modify', 'n3', '--drained', 'yes')).code).toBe(0);
    const json = JSON.parse((await cli(m, 'node-list', '--json')).out) as Array<
      Record<string, unknown>
    >;
    expect(json.find((n) => n.name === 'n3')).toMatchObject({ drained: true, role: 'D' });
    expect((await cli(m, 'node-remove', 'n1')).out).toMatch(/master node|still on node/);
    expect((await cli(m, 'node-remove', 'n3')).code).toBe(0);
    expect((await m.call('GET', '/2/nodes/n3')).status).toBe(404);
    expect((await cli(m, 'node-add', 'n4', 'test:///nonexistent/dir/n4')).code).toBe(1);
  });

  it('on SIGTERM finishes the running job, keeps queued ones for the next start, and restores test-driver guests', async () => {
    writeHook(join(m.dataDir, 'master', 'hooks', 'instance-reboot-pre.d'), '10-slow', 'sleep 1');
    const first = (await m.call<number>('POST', '/2/instances/nefos-s1/reboot')).body;
    const second = (await m.call<number>('POST', '/2/instances/nefos-s1/reboot')).body;
    for (
      let i = 0;
      i < 100 &&
      (await m.call<{ status: string }>('GET', `/2/jobs/${first}`)).body.status !== 'running';
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await m.call<{ status: string }>('GET', `/2/jobs/${first}`)).body.status).toBe(
      'running',
    );
    expect((await m.call<{ status: string }>('GET', `/2/jobs/${second}`)).body.status).toMatch(
      /queued|waiting/,
    );
    expect(await m.proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    m.proc = startProcess('dist/master/main.js', m.env);
    await m.proc.waitFor(/cluster master ready/);
    expect((await m.job(first)).status).toBe('success');
    const j2 = await m.job(second);
    expect(j2.status).toBe('success');
    const insts = (await m.call<Array<Record<string, unknown>>>('GET', '/2/instances?bulk=1')).body;
    expect(insts.filter((i) => i.status !== 'running').map((i) => i.name)).toEqual([]);
    expect(insts).toHaveLength(6);
  });
});
