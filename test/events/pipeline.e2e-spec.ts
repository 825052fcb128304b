import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/processes';
import { eventually } from './support/queues';
import { startPipeline, type Pipeline } from './support/pipeline';

/** `nefos-manage <args>` against the pipeline's database and Redis. */
function manage(
  p: Pipeline,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'dist/manage/main.js'), ...args],
      { env: { PATH: process.env.PATH, ...p.env.env }, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('event pipeline (master -> eventd -> BullMQ -> dispatcher)', () => {
  let p: Pipeline;

  beforeAll(async () => {
    p = await startPipeline();
  }, 600_000);
  afterAll(async () => {
    await p?.close();
  });

  it('status-check proves every hop, and names eventd when it is down', async () => {
    const ok = await manage(p, 'status-check', '--json');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const [result] = JSON.parse(ok.stdout);
    expect(result).toMatchObject({ ok: true, cluster: 'nefos-local', failedHop: null });
    expect(result.hops.map((h: { hop: string }) => h.hop)).toEqual([
      'rapi',
      'master',
      'eventd',
      'dispatcher',
    ]);

    await p.stop('eventd');
    const down = await manage(p, 'status-check', '--timeout', '5', '--json');
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout)[0]).toMatchObject({ ok: false, failedHop: 'eventd' });
    expect(down.stderr).toMatch(/eventd failed/);
    await p.start('eventd');
    // eventd catches up with the heartbeat job it missed: the dispatcher records it late.
    const again = await manage(p, 'status-check');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nefos-local: OK/);
  });

  it('builds a server to ACTIVE through the events, with its NIC, progress and trail', async () => {
    const created = await p.api<{ server: { id: string } }>('POST', '/servers', {
      server: { name: 'one', flavorRef: '1', imageRef: await imageId(p) },
    });
    expect(created.status).toBe(202);
    const id = created.body.server.id;
    const server = await eventually(
      'ACTIVE',
      async () => {
        const r = await p.api<{ server: Record<string, unknown> }>('GET', `/servers/${id}`);
        if (r.body.server.status === 'ERROR') throw new Error(JSON.stringify(r.body.server.fault));
        return r.body.server.status === 'ACTIVE' && r.body.server;
      },
      120_000,
      250,
    );
    expect(server).toMatchObject({
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:power_state': 1,
      progress: 100,
    });
    expect(server['OS-SRV-USG:launched_at']).not.toBeNull();
    const trail = await p.prisma.serverTrail.findMany({
      where: { serverId: id },
      orderBy: { id: 'asc' },
    });
    const sources = trail.map((t) => `${t.source}:${t.opcode ?? ''}:${t.status ?? ''}`);
    expect(sources).toEqual(
      expect.arrayContaining([
        'api::',
        'rapi:OP_INSTANCE_CREATE:queued',
        'event:OP_INSTANCE_CREATE:success',
        'state:OP_INSTANCE_CREATE:success',
      ]),
    );
    // The request id of the API call reached the event through Ganeti's reason trail.
    const apiRow = trail.find((t) => t.source === 'rapi')!;
    const eventRow = trail.find(
      (t) => t.source === 'event' && t.status === 'success' && !t.message.startsWith('hook'),
    )!;
    expect(eventRow.requestId).toBe(apiRow.requestId);
    // The post hook reported the NIC.
    expect(trail.some((t) => t.source === 'event' && t.message.startsWith('hook '))).toBe(true);
  });
});

async function imageId(p: Pipeline): Promise<string> {
  const img = await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
  return img.id;
}
