import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { EVENT_QUEUES, RapiClient, bullConnection, eventJobId } from '../../libs/contracts/src';
import { ROOT } from '../support/processes';
import { Fleet } from './support/fleet';
import { eventually } from './support/queues';
import { startPipeline, type Pipeline } from './support/pipeline';

interface Finding {
  kind: string;
  server: string | null;
  instance: string;
  detail: string;
  fixed: boolean;
  error?: string;
}

function manage(
  p: Pipeline,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'dist/manage/main.js'), ...args],
      { env: { PATH: process.env.PATH, ...p.env.env }, timeout: 180_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function reconcile(p: Pipeline, ...flags: string[]): Promise<Finding[]> {
  const r = await manage(p, 'reconcile-servers', '--json', ...flags);
  if (r.code !== 0) throw new Error(`reconcile-servers exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Finding[];
}

/**
 * Drift made on purpose, behind Nefos's back: backend changes whose events are lost (the
 * dispatcher is down and the queues are purged, as after losing Redis), an instance Nefos never
 * created, a task whose job ended long ago. `reconcile-servers` reports each, `--fix-all`
 * repairs each, and the periodic run in the dispatcher fixes the safe kinds by itself.
 */
describe('reconcile-servers', () => {
  let p: Pipeline;
  let rapi: RapiClient;
  let fleet: Fleet;
  let ids: string[];
  const orphan = `nefos-${randomUUID()}`;

  const serverRow = (id: string) => p.prisma.server.findUniqueOrThrow({ where: { id } });

  /** Runs backend changes whose events never reach the database. */
  async function behindOurBack(change: () => Promise<number[]>): Promise<void> {
    await p.stop('dispatcher');
    const jobs = await change();
    for (const id of jobs) {
      const job = await eventually(`job ${id}`, async () => {
        const j = await rapi.getJob(id);
        return j.status && ['success', 'error'].includes(j.status) ? j : undefined;
      });
      expect(job.status).toBe('success');
    }
    const connection = bullConnection(p.env.config);
    const prefix = p.env.config.redis.prefix;
    const queues = EVENT_QUEUES.map((q) => new Queue(q, { connection, prefix }));
    // eventd has published the final events; losing them is the drift.
    await eventually('events published', async () => {
      const op = queues[0];
      for (const id of jobs) {
        const job = await op.getJob(
          eventJobId({
            type: 'op',
            cluster: 'nefos-local',
            jobId: id,
            opIndex: 0,
            status: 'success',
          }),
        );
        if (!job) return false;
      }
      return true;
    });
    for (const q of queues) {
      await q.drain(true);
      await q.close();
    }
    await p.start('dispatcher');
  }

  beforeAll(async () => {
    p = await startPipeline();
    rapi = new RapiClient({
      url: `https://127.0.0.1:${p.env.config.rapi.port}`,
      user: 'nefos',
      password: p.env.env.NEFOS_RAPI_PASSWORD,
      timeoutMs: 10_000,
      retries: 1,
    });
    fleet = new Fleet(p);
    const image = await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
    ids = await fleet.create(5, 'e2e-nano', image.id, 5);
    await fleet.waitAll(
      'ACTIVE',
      ids,
      (s) => s?.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'],
    );
  }, 600_000);
  afterAll(async () => {
    await p?.close();
  });

  it('finds nothing when the database matches the backend', async () => {
    expect(await reconcile(p)).toEqual([]);
  });

  it('reports each kind of drift, and --fix-all repairs each', async () => {
    const [gone, flipped, resized, stuck] = ids;
    const rows = await Promise.all([gone, flipped, resized, stuck].map(serverRow));
    await behindOurBack(async () => [
      await rapi.deleteInstance(rows[0].instanceName),
      await rapi.shutdownInstance(rows[1].instanceName, { timeout: 0 }),
      await rapi.modifyInstance(rows[2].instanceName, {
        beparams: { vcpus: 1, maxmem: 512, minmem: 512 },
      }),
      await rapi.createInstance({
        name: orphan,
        disk_template: 'file',
        disks: [{ size: 1024 }],
        nics: [{ mode: 'routed' }],
        beparams: { vcpus: 1, maxmem: 64, minmem: 64 },
        osparams: { img_id: 'nefos-tiny', img_format: 'diskdump' },
        start: true,
        name_check: false,
        ip_check: false,
      }),
    ]);
    // A task whose job ended long ago (its create job) and whose events were all lost, so the
    // database never saw it end.
    await p.prisma.server.update({
      where: { id: stuck },
      data: {
        task: 'rebooting',
        taskJobId: rows[3].backendJobId,
        backendJobId: null,
        backendJobStatus: null,
      },
    });

    const report = await reconcile(p);
    const summary = report.map((f) => [f.kind, f.server, f.fixed]).sort();
    expect(summary).toEqual(
      [
        ['orphan', orphan.slice('nefos-'.length), false],
        ['pending-task', stuck, false],
        ['stale', gone, false],
        ['unsynced', flipped, false],
        ['unsynced', resized, false],
      ].sort(),
    );
    expect(report.find((f) => f.server === flipped)!.detail).toMatch(
      /STARTED in Nefos, ADMIN_down/,
    );
    expect(report.find((f) => f.server === resized)!.detail).toMatch(/flavor e2e\.nano/);
    // Reporting changed nothing.
    expect((await serverRow(gone)).deleted).toBe(false);

    const fixed = await reconcile(p, '--fix-all');
    expect(fixed.filter((f) => !f.fixed || f.error)).toEqual([]);
    expect(fixed).toHaveLength(5);

    // Each repair shows through the API.
    expect((await p.api('GET', `/servers/${gone}`)).status).toBe(404);
    expect(await fleet.show(flipped)).toMatchObject({
      status: 'SHUTOFF',
      'OS-EXT-STS:power_state': 4,
    });
    expect(await fleet.show(resized)).toMatchObject({
      flavor: expect.objectContaining({ id: '1' }),
    });
    expect(await fleet.show(stuck)).toMatchObject({
      status: 'ACTIVE',
      'OS-EXT-STS:task_state': null,
    });
    await eventually('orphan removed from the backend', async () =>
      (await rapi.listInstances()).every((i) => i.name !== orphan),
    );
    const trail = await p.prisma.serverTrail.findMany({
      where: { serverId: flipped, source: 'reconcile' },
    });
    expect(trail.map((t) => t.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/STARTED -> STOPPED/)]),
    );
    expect(await reconcile(p)).toEqual([]);
  });

  it('runs in the dispatcher on its own, fixing the safe kinds and only reporting the rest', async () => {
    const [, , , , last] = ids;
    const row = await serverRow(last);
    await p.stop('dispatcher');
    p.env.env.NEFOS_RECONCILE_INTERVAL = '2';
    await behindOurBack(async () => [
      await rapi.shutdownInstance(row.instanceName, { timeout: 0 }),
    ]);
    const shown = await eventually(
      'periodic reconciliation',
      async () => {
        const s = await fleet.show(last);
        return s?.status === 'SHUTOFF' && s;
      },
      60_000,
      500,
    );
    expect(shown['OS-EXT-STS:task_state']).toBeNull();
    const state = await p.prisma.systemState.findUniqueOrThrow({
      where: { key: 'reconcile:last' },
    });
    expect(state.value).toMatchObject({ mode: 'report-and-fix-safe' });
    // Stale servers are left for an operator: the periodic run never deletes.
    await behindOurBack(async () => [await rapi.deleteInstance(row.instanceName)]);
    await eventually(
      'a periodic run that saw the stale server',
      async () => {
        const latest = await p.prisma.systemState.findUnique({ where: { key: 'reconcile:last' } });
        return (latest?.value as { byKind?: Record<string, number> })?.byKind?.stale === 1;
      },
      60_000,
      500,
    );
    expect((await serverRow(last)).deleted).toBe(false);
    expect((await fleet.show(last))?.status).toBe('SHUTOFF');
  });
});
