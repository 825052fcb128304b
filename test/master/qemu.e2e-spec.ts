import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureLibvirtd } from '../../stack/services/libvirt.process';
import { createBody, startMaster, type MasterHandle } from './master-harness';

/** Reads the first bytes a TCP server sends (a VNC server greets with its protocol version). */
function greeting(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host);
    let got = '';
    s.setTimeout(10000, () => s.destroy(new Error('no greeting')));
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.length >= 12) {
        s.destroy();
        resolve(got.slice(0, 12));
      }
    });
    s.on('error', reject);
  });
}

async function until(what: string, timeoutMs: number, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const virsh = (...args: string[]): string =>
  execFileSync('virsh', ['-c', 'qemu:///system', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });

describe('cluster master with QEMU (qemu:///system)', () => {
  let m: MasterHandle;
  const name = `nefos-e2e-${process.pid}`;
  beforeAll(async () => {
    // .ci/run starts libvirtd for the whole run; started here, it is left running for other tests.
    await ensureLibvirtd((msg) => process.stdout.write(`${msg}\n`));
    m = await startMaster({ NEFOS_HYPERVISOR: 'qemu' });
  });
  afterAll(async () => {
    try {
      virsh('destroy', name);
    } catch {
      // not running
    }
    try {
      virsh('undefine', name);
    } catch {
      // already gone
    }
    await m?.stop();
  });

  it('boots the seeded image, shows its serial line and VNC, shuts it down by ACPI and removes it', async () => {
    const body = createBody(name, {
      disks: [{ size: 64 }],
      beparams: { vcpus: 1, maxmem: 256, minmem: 256 },
    });
    const create = await m.job(
      (await m.call<number>('POST', '/2/instances?reason=req-qemu', { body })).body,
    );
    if (create.status !== 'success')
      process.stdout.write(`master output:\n${m.proc.output().slice(-6000)}\n`);
    expect({ status: create.status, result: create.opresult, log: create.oplog }).toMatchObject({
      status: 'success',
    });
    const node = create.opresult[0] as string[];
    const dir = join(m.dataDir, 'master', 'storage', node[0], name);
    const serial = join(dir, 'serial.log');
    const booted = Date.now();
    await until(
      'the guest to print NEFOS_TINY_READY on its serial console',
      180000,
      () => existsSync(serial) && readFileSync(serial, 'latin1').includes('NEFOS_TINY_READY'),
    );
    process.stdout.write(
      `qemu e2e: serial line after ${((Date.now() - booted) / 1000).toFixed(1)} s\n`,
    );
    expect(virsh('dumpxml', name)).toMatch(/<domain type='(qemu|kvm)'/);

    const inst = (await m.call<Record<string, unknown>>('GET', `/2/instances/${name}`)).body;
    expect(inst).toMatchObject({ status: 'running', oper_state: true, 'disk.sizes': [64] });
    const consoleInfo = await m.call<{ host: string; port: number; kind: string; display: number }>(
      'GET',
      `/2/instances/${name}/console`,
    );
    expect(consoleInfo.status).toBe(200);
    expect(consoleInfo.body).toMatchObject({ instance: name, kind: 'vnc', host: '127.0.0.1' });
    expect(consoleInfo.body.display).toBe(consoleInfo.body.port - 5900);
    expect(await greeting(consoleInfo.body.host, consoleInfo.body.port)).toBe('RFB 003.008\n');

    // The guest powers itself off (ACPI from outside the master): the watcher notices, reports
    // USER_down and records it with a shutdown job, as Ganeti's user shutdown does.
    virsh('shutdown', name);
    let seen: Record<string, unknown> = {};
    const deadline = Date.now() + 60000;
    while (seen.status !== 'USER_down' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      seen = (await m.call<Record<string, unknown>>('GET', `/2/instances/${name}`)).body;
    }
    expect(seen).toMatchObject({ status: 'USER_down', admin_state: 'down', oper_state: false });
    const jobs = (await m.call<Array<Record<string, unknown>>>('GET', '/2/jobs?bulk=1')).body;
    const recorded = jobs.find(
      (j) => (j.ops as Array<Record<string, unknown>>)[0].OP_ID === 'OP_INSTANCE_SHUTDOWN',
    );
    expect(recorded).toMatchObject({ status: 'success' });
    expect(((recorded!.ops as Array<Record<string, unknown>>)[0].reason as unknown[][])[0][0]).toBe(
      'gnt:watcher',
    );
    expect(
      (await m.job((await m.call<number>('PUT', `/2/instances/${name}/startup`)).body)).status,
    ).toBe('success');
    await until(
      'the guest to boot again',
      180000,
      () => readFileSync(serial, 'latin1').split('NEFOS_TINY_READY').length > 2,
    );

    const stopped = Date.now();
    const shutdown = await m.job(
      (await m.call<number>('PUT', `/2/instances/${name}/shutdown`, { body: { timeout: 120 } }))
        .body,
    );
    expect(shutdown.status).toBe('success');
    const log = shutdown.oplog[0].map((l) => l[3]).join('\n');
    expect(log).not.toMatch(/did not shut down/);
    expect(readFileSync(serial, 'latin1').split('NEFOS_TINY_POWEROFF')).toHaveLength(3);
    process.stdout.write(
      `qemu e2e: ACPI shutdown took ${((Date.now() - stopped) / 1000).toFixed(1)} s\n`,
    );
    expect(
      (await m.call<Record<string, unknown>>('GET', `/2/instances/${name}`)).body,
    ).toMatchObject({ status: 'ADMIN_down', oper_state: false });
    expect((await m.call('GET', `/2/instances/${name}/console`)).status).toBe(503);

    const removed = await m.job((await m.call<number>('DELETE', `/2/instances/${name}`)).body);
    expect(removed.status).toBe('success');
    expect(() => virsh('dominfo', name)).toThrow();
    expect(existsSync(dir)).toBe(false);
  });
});
