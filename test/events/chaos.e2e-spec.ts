import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { RapiClient } from '../../libs/contracts/src';
import { DeadLetterQueue } from '../../dispatcher/queue/dead-letter.queue';
import { ROOT } from '../support/processes';
import { Fleet, type ServerView } from './support/fleet';
import { eventually } from './support/queues';
import { startPipeline, type Daemon, type Pipeline } from './support/pipeline';

const COUNT = 30;
const UNCLEAN = /Unclean master daemon shutdown/;

const isActive = (s: ServerView | undefined) =>
  s?.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'];
const isShutoff = (s: ServerView | undefined) =>
  s?.status === 'SHUTOFF' && !s['OS-EXT-STS:task_state'];

/**
 * SIGKILL in the middle of a burst, one daemon at a time: eventd, the dispatcher, the master.
 * After the restart every server must reach the state its last accepted request asked for, with
 * no server lost or duplicated (API, database and backend agree), nothing stuck and no message
 * dead-lettered.
 */
describe('chaos: SIGKILL mid-burst', () => {
  let p: Pipeline;
  let fleet: Fleet;
  let rapi: RapiClient;
  let imageId: string;
  const kills: string[] = [];

  /** Runs `burst`; once `after` requests of it were answered, SIGKILLs `daemon` and restarts it. */
  async function strikeDuring<T>(
    daemon: Daemon,
    after: number,
    burst: () => Promise<T>,
  ): Promise<T> {
    const start = fleet.answered;
    const running = burst();
    const strike = (async () => {
      await eventually(
        `${after} answered requests`,
        async () => fleet.answered - start >= after,
        300_000,
        20,
      );
      await p.stop(daemon, 'SIGKILL');
      const down = Date.now();
      await new Promise((r) => setTimeout(r, 1500));
      await p.start(daemon);
      kills.push(
        `${daemon}: killed after ${fleet.answered - start} answers, back in ${Date.now() - down} ms`,
      );
    })();
    const [result] = await Promise.all([running, strike]);
    return result;
  }

  /** API, database and backend agree on exactly the fleet; nothing is stuck or dead-lettered. */
  async function expectConsistent(): Promise<void> {
    const listed = (await fleet.list()).map((s) => s.id).sort();
    expect(listed).toEqual([...fleet.ids].sort());
    const rows = await p.prisma.server.findMany({
      where: { projectId: p.identity.projectId, deleted: false },
    });
    expect(rows.map((r) => r.id).sort()).toEqual([...fleet.ids].sort());
    expect(rows.filter((r) => r.task !== null).map((r) => `${r.id}: ${r.task}`)).toEqual([]);
    const instances = (await rapi.listInstances()).map((i) => i.name).sort();
    expect(instances).toEqual(rows.map((r) => r.instanceName).sort());
    const dead = new DeadLetterQueue(p.env.config);
    try {
      expect(await dead.list()).toEqual([]);
    } finally {
      await dead.close();
    }
    const drift = await reconcileReport(p);
    expect(drift).toEqual([]);
  }

  beforeAll(async () => {
    p = await startPipeline();
    fleet = new Fleet(p);
    rapi = new RapiClient({
      url: `https://127.0.0.1:${p.env.config.rapi.port}`,
      user: 'nefos',
      password: p.env.env.NEFOS_RAPI_PASSWORD,
      timeoutMs: 10_000,
      retries: 1,
    });
    imageId = (await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } })).id;
  }, 600_000);
  afterAll(async () => {
    process.stderr.write(`chaos: ${kills.join('; ')}\n`);
    await p?.close();
  });

  it('eventd killed during a create burst and during a stop burst', async () => {
    await strikeDuring('eventd', COUNT / 3, () => fleet.create(COUNT, 'e2e-nano', imageId));
    await fleet.waitAll('ACTIVE', fleet.ids, isActive);
    const codes = await strikeDuring('eventd', COUNT / 3, () =>
      fleet.action(fleet.ids, { 'os-stop': null }),
    );
    expect(codes.filter((c) => c !== 202)).toEqual([]);
    await fleet.waitAll('SHUTOFF', fleet.ids, isShutoff);
    await expectConsistent();
  });

  it('the dispatcher killed during a start burst and during a create burst', async () => {
    const codes = await strikeDuring('dispatcher', COUNT / 3, () =>
      fleet.action(fleet.ids, { 'os-start': null }),
    );
    expect(codes.filter((c) => c !== 202)).toEqual([]);
    await fleet.waitAll('ACTIVE', fleet.ids, isActive);
    const more = await strikeDuring('dispatcher', 4, () => fleet.create(10, 'e2e-nano', imageId));
    await fleet.waitAll('ACTIVE', more, isActive);
    await expectConsistent();
  });

  it('the master killed during a stop burst', async () => {
    // Requests made while the master is down are refused (503): a client sends them again.
    const pending = [...fleet.ids];
    const refused: string[] = [];
    // Early in the burst, while the master's workers are still stopping the first guests.
    const codes = await strikeDuring('master', 3, () => fleet.action(pending, { 'os-stop': null }));
    pending.forEach((id, i) => codes[i] !== 202 && refused.push(`${id}:${codes[i]}`));
    expect(codes.every((c) => c === 202 || c === 503 || c === 500)).toBe(true);
    // Each accepted stop either ran or was interrupted by the crash; wait until every task is
    // settled, then send again what was refused or interrupted (the master never re-runs it).
    await fleet.waitAll('settled', fleet.ids, (s) => !!s && !s['OS-EXT-STS:task_state']);
    const interrupted: string[] = [];
    for (const id of fleet.ids) {
      const row = await p.prisma.server.findUniqueOrThrow({ where: { id } });
      if (row.operstate === 'STOPPED') continue;
      const trail = await p.prisma.serverTrail.findMany({
        where: { serverId: id, source: 'event' },
      });
      if (trail.some((t) => UNCLEAN.test(t.message))) interrupted.push(id);
    }
    const again = (await fleet.list()).filter((s) => s.status === 'ACTIVE').map((s) => s.id);
    // Only refused or interrupted requests may need a second try.
    const explained = new Set([...refused.map((r) => r.split(':')[0]), ...interrupted]);
    expect(again.filter((id) => !explained.has(id))).toEqual([]);
    const retry = await fleet.action(again, { 'os-stop': null });
    expect(retry.filter((c) => c !== 202)).toEqual([]);
    await fleet.waitAll('SHUTOFF', fleet.ids, isShutoff);
    kills.push(`master: ${refused.length} refused while down, ${interrupted.length} interrupted`);
    await expectConsistent();
  });
});

function reconcileReport(p: Pipeline): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'dist/manage/main.js'), 'reconcile-servers', '--json'],
      { env: { PATH: process.env.PATH, ...p.env.env }, timeout: 120_000 },
      (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(JSON.parse(stdout))),
    );
  });
}
