import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { EVENT_JOB_OPTIONS, QueueName, bullConnection } from '../../libs/contracts/src';
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
    // Heartbeats every 2 s with a 4 s budget, so /healthz notices a dead hop within the test.
    p = await startPipeline({ NEFOS_HEARTBEAT_INTERVAL: '2', NEFOS_HEARTBEAT_BUDGET: '4' });
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

  it('/healthz reports the event pipeline from the heartbeat and names the dead hop', async () => {
    const ok = await eventually('a heartbeat that arrived', async () => {
      const h = await healthz(p);
      const dep = h.body.dependencies.find((d) => d.kind === 'pipeline');
      return dep?.detail?.includes('arrived') && h;
    });
    expect(ok.code).toBe(200);
    await p.stop('dispatcher', 'SIGKILL');
    try {
      const down = await eventually(
        'a degraded /healthz',
        async () => {
          const h = await healthz(p);
          const dep = h.body.dependencies.find((d) => d.kind === 'pipeline');
          return h.code === 503 && dep?.detail?.startsWith('dispatcher: ') && h;
        },
        60_000,
        500,
      );
      const dep = down.body.dependencies.find((d) => d.kind === 'pipeline')!;
      expect(dep).toMatchObject({ name: 'nefos-local events', ok: false });
      expect(dep.detail).toMatch(/^dispatcher: /);
    } finally {
      await p.start('dispatcher');
    }
    await eventually('healthy again', async () => (await healthz(p)).code === 200, 60_000, 500);
  });

  it('queue-list-dead shows a malformed message and queue-retry puts it back', async () => {
    const q = new Queue(QueueName.Op, {
      connection: bullConnection(p.env.config),
      prefix: p.env.config.redis.prefix,
    });
    try {
      await q.add(
        'op',
        { type: 'op', cluster: 'nefos-local' },
        { ...EVENT_JOB_OPTIONS, jobId: 'broken-1' },
      );
      const listed = await eventually('a dead letter', async () => {
        const r = await manage(p, 'queue-list-dead', '--json');
        const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
        return rows.length > 0 && rows;
      });
      expect(listed[0]).toMatchObject({ queue: 'events.op', job: 'broken-1', reason: 'malformed' });
      expect(String(listed[0].error)).toMatch(/jobId/);
      const table = await manage(p, 'queue-list-dead');
      expect(table.stdout).toMatch(/dead-events\.op-broken-1 +events\.op +malformed/);
      const retried = await manage(p, 'queue-retry', String(listed[0].id));
      expect(retried.code).toBe(0);
      expect(retried.stdout).toMatch(/broken-1/);
      // Still malformed: the dispatcher rejects it again, at once.
      await eventually('dead again', async () => {
        const r = await manage(p, 'queue-list-dead', '--json');
        return (JSON.parse(r.stdout) as unknown[]).length === 1;
      });
      expect((await manage(p, 'queue-retry', 'no-such-entry')).code).toBe(1);
    } finally {
      await q.close();
    }
  });

  it('hooks-install writes the hook scripts into a given directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nefos-hooks-'));
    const r = await manage(p, 'hooks-install', '--dir', dir);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      'instance-add-post.d',
      'instance-modify-post.d',
      'instance-reboot-post.d',
      'instance-start-post.d',
      'nefos-hooks.json',
    ]);
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
    // The NIC read back through RAPI (and reported by the hook) is the server's port.
    const ports = await p.prisma.port.findMany({ where: { serverId: id } });
    expect(ports).toHaveLength(1);
    expect(ports[0]).toMatchObject({ status: 'ACTIVE', nicIndex: 0 });
    expect(ports[0].backendUuid).toMatch(/^[0-9a-f-]{36}$/);
    const row = await p.prisma.server.findUniqueOrThrow({ where: { id } });
    expect(row.hostNode).toBeTruthy();
    // The post hook reported the NIC.
    expect(trail.some((t) => t.source === 'event' && t.message.startsWith('hook '))).toBe(true);
  });
});

interface Health {
  status: string;
  dependencies: Array<{ name: string; kind: string; ok: boolean; detail?: string }>;
}

async function healthz(p: Pipeline): Promise<{ code: number; body: Health }> {
  const r = await fetch(`http://127.0.0.1:${p.env.config.api.port}/healthz`);
  return { code: r.status, body: (await r.json()) as Health };
}

async function imageId(p: Pipeline): Promise<string> {
  const img = await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
  return img.id;
}
