import { RapiClient } from '../../libs/contracts/src';
import { Fleet, followsPath, type ServerView } from './support/fleet';
import { histogramMean, startPipeline, type Pipeline } from './support/pipeline';

const COUNT = 100;

/**
 * 100 servers through their whole life, driven through the compute API and applied back by the
 * event pipeline (master -> eventd -> BullMQ -> dispatcher): every transition is read through
 * the API and must follow the path a user expects.
 */
describe(`${COUNT} servers: create, stop, start, reboot, delete`, () => {
  let p: Pipeline;
  let fleet: Fleet;
  let ids: string[];
  const timings: Record<string, number> = {};

  /**
   * Every server followed `path` (intermediate states may be too quick to see). A server that
   * did not is shown with what the API showed, read by read, and its trail.
   */
  async function expectPaths(path: string[]): Promise<void> {
    const wrong = ids
      .map((id) => [id, fleet.seen.get(id) ?? []] as const)
      .filter(([, seen]) => !followsPath(seen, path));
    for (const [id] of wrong.slice(0, 5)) {
      const trail = await p.prisma.serverTrail.findMany({
        where: { serverId: id },
        orderBy: { id: 'asc' },
      });
      process.stderr.write(
        `server ${id}\n  read by read: ${fleet.observations.get(id)?.join(' | ')}\n` +
          trail
            .map(
              (t) =>
                `  ${t.at.toISOString()} ${t.source} ${t.requestId ?? '-'} job ${t.jobId ?? '-'}: ${t.message}`,
            )
            .join('\n') +
          '\n',
      );
    }
    expect(wrong.map(([id, seen]) => `${id}: ${seen.join(' > ')}`)).toEqual([]);
  }

  async function phase(
    name: string,
    path: string[],
    act: () => Promise<number[]>,
    done: (s: ServerView | undefined) => boolean,
    expectedCode: number,
  ): Promise<void> {
    fleet.resetSeen(ids);
    const t = Date.now();
    const codes = await act();
    expect(codes.filter((c) => c !== expectedCode)).toEqual([]);
    await fleet.waitAll(name, ids, done);
    timings[name] = Date.now() - t;
    await expectPaths(path);
  }

  async function backendInstances(): Promise<string[]> {
    const rapi = new RapiClient({
      url: `https://127.0.0.1:${p.env.config.rapi.port}`,
      user: 'nefos',
      password: p.env.env.NEFOS_RAPI_PASSWORD,
      timeoutMs: 10_000,
      retries: 1,
    });
    return (await rapi.listInstances()).map((i) => i.name);
  }

  beforeAll(async () => {
    p = await startPipeline();
    fleet = new Fleet(p);
  }, 600_000);
  afterAll(async () => {
    await fleet?.stopPolling();
    const lag = await histogramMean(
      p.env.config.eventd.metricsPort,
      'nefos_eventd_event_lag_seconds',
    );
    const toDb = await histogramMean(
      p.env.config.dispatcher.metricsPort,
      'nefos_dispatcher_event_to_db_seconds',
    );
    process.stderr.write(
      `lifecycle timings (ms): ${JSON.stringify(timings)}; mean backend time -> published ` +
        `${lag?.toFixed(3)} s, -> database ${toDb?.toFixed(3)} s\n`,
    );
    await p?.close();
  });

  it(`creates ${COUNT} servers and every one becomes ACTIVE`, async () => {
    const image = await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
    const t = Date.now();
    ids = await fleet.create(COUNT, 'e2e-nano', image.id);
    fleet.startPolling();
    const all = await fleet.waitAll(
      'ACTIVE',
      ids,
      (s) => s?.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'],
    );
    timings.create = Date.now() - t;
    await expectPaths(['BUILD(spawning)', 'ACTIVE']);
    expect(new Set(ids).size).toBe(COUNT);
    for (const id of ids) {
      const s = all.get(id)!;
      expect(s['OS-EXT-STS:power_state']).toBe(1);
      expect(JSON.stringify(s.addresses)).toMatch(/"addr":"10\.99\./);
    }
    // The backend runs exactly these instances: no duplicate, none lost.
    const rows0 = await p.prisma.server.findMany({ where: { id: { in: ids } } });
    expect((await backendInstances()).sort()).toEqual(rows0.map((r) => r.instanceName).sort());
    const rows = await p.prisma.server.findMany({ where: { projectId: p.identity.projectId } });
    expect(rows).toHaveLength(COUNT);
    expect(rows.every((r) => r.operstate === 'STARTED' && r.launchedAt && r.task === null)).toBe(
      true,
    );
  });

  it('stops them all: ACTIVE -> powering-off -> SHUTOFF', () =>
    phase(
      'stop',
      ['ACTIVE', 'ACTIVE(powering-off)', 'SHUTOFF'],
      () => fleet.action(ids, { 'os-stop': null }),
      (s) =>
        s?.status === 'SHUTOFF' && !s['OS-EXT-STS:task_state'] && s['OS-EXT-STS:power_state'] === 4,
      202,
    ));

  it('starts them all: SHUTOFF -> powering-on -> ACTIVE', () =>
    phase(
      'start',
      ['SHUTOFF', 'SHUTOFF(powering-on)', 'ACTIVE'],
      () => fleet.action(ids, { 'os-start': null }),
      (s) => s?.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'],
      202,
    ));

  it('reboots them all: ACTIVE -> REBOOT -> ACTIVE', () =>
    phase(
      'reboot',
      ['ACTIVE', 'REBOOT(rebooting)', 'ACTIVE'],
      () => fleet.action(ids, { reboot: { type: 'SOFT' } }),
      (s) => s?.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'],
      202,
    ));

  it('deletes them all: gone from the API, the database and the backend, quota back to zero', async () => {
    await phase(
      'delete',
      ['ACTIVE', 'ACTIVE(deleting)', 'DELETED'],
      () => fleet.remove(ids),
      (s) => s === undefined,
      204,
    );
    const rows = await p.prisma.server.findMany({ where: { projectId: p.identity.projectId } });
    expect(rows.filter((r) => !r.deleted || r.operstate !== 'DESTROYED')).toEqual([]);
    expect(await p.prisma.port.count({ where: { serverId: { in: ids } } })).toBe(0);
    expect(await backendInstances()).toEqual([]);
    const usage = await p.prisma.quotaUsage.findMany({
      where: { projectId: p.identity.projectId },
    });
    for (const u of usage.filter((x) =>
      ['instances', 'cores', 'ram', 'disk'].includes(x.resource),
    )) {
      expect([u.resource, u.inUse, u.reserved]).toEqual([u.resource, 0, 0]);
    }
    expect(
      await p.prisma.commission.count({ where: { serverId: { in: ids }, status: 'PENDING' } }),
    ).toBe(0);
  });
});
