import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { RapiClient } from '../../libs/contracts/src';
import { DeadLetterQueue } from '@nefos/contracts';
import { ROOT } from '../support/processes';
import { Fleet, type ServerView } from './support/fleet';
import { eventually } from './support/queues';
import { startPipeline, type Daemon, type Pipeline } from './support/pipeline';

const COUNT = 30;

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

  it('the master killed during a stop burst: every accepted stop is carried out', async () => {
    const ids = [...fleet.ids];
    // Early in the burst, while the master's workers are still stopping the first guests.
    const codes = await strikeDuring('master', 3, () => fleet.action(ids, { 'os-stop': null }));
    const accepted = ids.filter((_, i) => codes[i] === 202);
    const refused = ids.filter((_, i) => codes[i] !== 202);
    // While the master is down the API cannot submit, so it refuses (503: nothing was changed).
    expect(codes.filter((c) => c !== 202 && c !== 503 && c !== 500)).toEqual([]);
    expect(accepted.length).toBeGreaterThan(0);
    // Accepted requests are Nefos's to finish, even those whose job was running when the master
    // died (it marks them failed and never re-runs them): nothing is sent again for them.
    await fleet.waitAll('SHUTOFF', accepted, isShutoff);
    // Refused requests were never accepted: a client sends them again. (One that was cut off
    // mid-answer may have reached the master after all: then the server is already stopping.)
    await fleet.waitAll('settled', refused, (s) => !!s && !s['OS-EXT-STS:task_state']);
    const still = (await fleet.list())
      .filter((s) => refused.includes(s.id) && s.status === 'ACTIVE')
      .map((s) => s.id);
    const retry = await fleet.action(still, { 'os-stop': null });
    expect(retry.filter((c) => c !== 202 && c !== 409)).toEqual([]);
    await fleet.waitAll('SHUTOFF', fleet.ids, isShutoff);
    const resubmitted = await p.prisma.serverTrail.count({
      where: {
        serverId: { in: accepted },
        source: 'rapi',
        message: { contains: 'submitted again' },
      },
    });
    const unclean = await p.prisma.serverTrail.count({
      where: {
        serverId: { in: accepted },
        source: 'event',
        data: { path: ['error', 'kind'], equals: 'unclean_shutdown' },
      },
    });
    // Every job the crash cut short was submitted again, once.
    expect(resubmitted).toBe(unclean);
    kills.push(
      `master: ${refused.length} refused while down, ${unclean} cut short and submitted again`,
    );
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
