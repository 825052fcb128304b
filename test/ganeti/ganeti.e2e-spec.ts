import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueName, RapiClient } from '../../libs/contracts/src';
import { Fleet, followsPath, type ServerView } from '../events/support/fleet';
import { startPipeline, type Pipeline } from '../events/support/pipeline';
import { QueueInspector, eventually } from '../events/support/queues';
import { portAnswers } from '../../stack/services/process-utils';
import { createTestIdentity, type TestIdentity } from '../support/identity-fixtures';
import { runManage } from '../support/manage-cli';
import { startProcess, type RunningProcess } from '../support/processes';
import { freePort } from '../support/test-env';
import { GanetiCluster, ganetiUnavailable } from './support/ganeti-cluster';
import { startTcpBridge, type TcpBridge } from './support/tcp-bridge';

const BACKEND = 'ganeti-e2e';
const unavailable = ganetiUnavailable();
if (unavailable) process.stderr.write(`SKIPPED the real-Ganeti e2e: ${unavailable}\n`);
const describeIfGaneti = unavailable ? describe.skip : describe;

/**
 * Debian's Ganeti 3.0 (one node, fake hypervisor, in its own namespaces) registered as a second
 * backend beside the embedded master. Servers on both are driven through the compute API; the
 * Ganeti server's state comes back only through an eventd following Ganeti's own job queue (and
 * our hooks, run by Ganeti), since reconciliation is off.
 */
describeIfGaneti('a real Ganeti cluster as a second backend', () => {
  let p: Pipeline;
  let cluster: GanetiCluster;
  let bridge: TcpBridge;
  let eventd: RunningProcess;
  let fleet: Fleet;
  let embeddedName: string;
  let admin: TestIdentity;
  const server: { embedded: string; ganeti: string } = { embedded: '', ganeti: '' };
  const timings: Record<string, number> = {};

  const manage = async (...args: string[]): Promise<string> => {
    const r = await runManage(p.env.env, ...args);
    if (r.code !== 0) throw new Error(`nefos-manage ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };

  async function drain(backend: string, drained: boolean): Promise<void> {
    const res = await fetch(
      `http://127.0.0.1:${p.env.config.api.port}/admin/api/backends/${backend}`,
      {
        method: 'PATCH',
        headers: { 'X-Auth-Token': admin.token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ drained }),
      },
    );
    if (res.status !== 200) throw new Error(`PATCH ${backend}: ${res.status} ${await res.text()}`);
  }

  function embeddedRapi(): RapiClient {
    return new RapiClient({
      url: `https://127.0.0.1:${p.env.config.rapi.port}`,
      user: 'nefos',
      password: p.env.env.NEFOS_RAPI_PASSWORD,
      timeoutMs: 10_000,
      retries: 1,
    });
  }

  async function instanceOf(id: string): Promise<string> {
    return (await p.prisma.server.findUniqueOrThrow({ where: { id } })).instanceName;
  }

  /** Both servers walk `path` (as the API shows them) while `act` runs and they settle. */
  async function phase(
    name: string,
    path: string[],
    act: (id: string) => Promise<number>,
    expectedCode: number,
    done: (s: ServerView | undefined) => boolean,
  ): Promise<void> {
    const ids = [server.embedded, server.ganeti];
    fleet.resetSeen(ids);
    const t = Date.now();
    const codes = await Promise.all(ids.map(act));
    expect(codes).toEqual([expectedCode, expectedCode]);
    try {
      await fleet.waitAll(name, ids, done, 180_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${p.logs()}\n${eventd.output().slice(-4000)}`);
    }
    timings[name] = Date.now() - t;
    for (const id of ids) {
      const seen = fleet.seen.get(id) ?? [];
      expect(`${id}: ${followsPath(seen, path) ? 'ok' : seen.join(' > ')}`).toBe(`${id}: ok`);
    }
  }

  /** An eventd for the Ganeti cluster: Ganeti's queue as the host sees it, its RAPI, its name. */
  async function startGanetiEventd(): Promise<void> {
    const metricsPort = await freePort();
    eventd = startProcess('dist/eventd/main.js', {
      ...p.env.env,
      NEFOS_CLUSTER_NAME: BACKEND,
      NEFOS_EVENTD_CLUSTER: BACKEND,
      NEFOS_JOB_QUEUE_DIR: cluster.queueDir,
      NEFOS_EVENTD_RAPI_URL: cluster.rapiUrl,
      NEFOS_RAPI_USER: cluster.rapiUser,
      NEFOS_RAPI_PASSWORD: cluster.rapiPassword,
      NEFOS_EVENTD_METRICS_PORT: String(metricsPort),
      NEFOS_EVENTD_STATE_DIR: join(p.env.dataDir, 'eventd-ganeti'),
    });
    await eventually(
      'the Ganeti eventd listening',
      async () => {
        if (eventd.child.exitCode !== null) throw new Error(`eventd exited:\n${eventd.output()}`);
        return portAnswers(metricsPort);
      },
      120_000,
      200,
    );
  }

  beforeAll(async () => {
    const t = Date.now();
    // The stack and the Ganeti cluster boot side by side (gnt-cluster init takes a while).
    // Both settle before anything is thrown, so afterAll stops whichever one did come up.
    const [pipeline, ganeti] = await Promise.allSettled([startPipeline(), GanetiCluster.start()]);
    if (pipeline.status === 'fulfilled') p = pipeline.value;
    if (ganeti.status === 'fulfilled') cluster = ganeti.value;
    for (const r of [pipeline, ganeti]) if (r.status === 'rejected') throw r.reason;
    timings.boot = Date.now() - t;
    fleet = new Fleet(p);
    admin = await createTestIdentity(p.prisma, { roles: ['admin'] });
    embeddedName = p.env.config.master.clusterName;

    // Hooks run inside the cluster's namespace: they reach the test's Redis through the veth.
    const redis = new URL(p.env.redisUrl);
    bridge = await startTcpBridge(cluster.hostAddress, {
      host: redis.hostname,
      port: Number(redis.port || 6379),
    });
    const hookRedis = new URL(p.env.redisUrl);
    hookRedis.hostname = cluster.hostAddress;
    hookRedis.port = String(bridge.port);
    const forGaneti = {
      ...p.env.env,
      REDIS_URL: hookRedis.toString(),
      NEFOS_CLUSTER_NAME: BACKEND,
      NEFOS_EVENTD_CLUSTER: BACKEND,
    };
    const hooks = await runManage(forGaneti, 'hooks-install', '--dir', cluster.hooksDir);
    expect(hooks.stderr).toBe('');
    expect(hooks.code).toBe(0);

    const passwordFile = join(cluster.root, 'rapi-password');
    writeFileSync(passwordFile, `${cluster.rapiPassword}\n`, { mode: 0o600 });
    // Drained until the embedded backend's server is placed.
    await manage(
      'backend-add',
      BACKEND,
      '--url',
      cluster.rapiUrl,
      '--user',
      cluster.rapiUser,
      '--password-file',
      passwordFile,
      '--hypervisor',
      'fake',
      '--drained',
      'yes',
    );

    await startGanetiEventd();
    // Ganeti's instance policy wants at least 128 MiB.
    await p.prisma.flavor.create({
      data: { id: 'e2e-gnt', name: 'e2e.gnt', vcpus: 1, ramMb: 128, diskGb: 1 },
    });
    fleet.startPolling();
  }, 600_000);

  afterAll(async () => {
    await fleet?.stopPolling();
    await eventd?.stop();
    await bridge?.close();
    await cluster?.stop();
    cluster?.remove();
    await p?.close();
    process.stderr.write(`real-Ganeti e2e timings (ms): ${JSON.stringify(timings)}\n`);
  }, 300_000);

  it('builds a server on each backend: BUILD -> ACTIVE, the Ganeti one on Ganeti', async () => {
    const image = await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
    const t = Date.now();
    [server.embedded] = await fleet.create(1, 'e2e-gnt', image.id);
    // Only Ganeti takes new servers while this one is placed (the admin API: quicker than
    // three more nefos-manage runs).
    await drain(BACKEND, false);
    await drain(embeddedName, true);
    [server.ganeti] = await fleet.create(1, 'e2e-gnt', image.id);
    await drain(embeddedName, false);
    const ids = [server.embedded, server.ganeti];
    try {
      await fleet.waitAll(
        'ACTIVE',
        ids,
        (s) => s?.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'],
        180_000,
      );
    } catch (err) {
      const trail = await p.prisma.serverTrail.findMany({
        where: { serverId: { in: ids } },
        orderBy: { id: 'asc' },
      });
      throw new Error(
        `${(err as Error).message}\n${trail.map((x) => `${x.source} ${x.message}`).join('\n')}\n` +
          `${p.logs()}\n--- ganeti eventd ---\n${eventd.output().slice(-4000)}`,
      );
    }
    timings.create = Date.now() - t;
    for (const id of ids)
      expect(followsPath(fleet.seen.get(id)!, ['BUILD(spawning)', 'ACTIVE'])).toBe(true);

    const rows = await p.prisma.server.findMany({
      where: { id: { in: ids } },
      include: { backend: true },
    });
    const backendOf = new Map(rows.map((r) => [r.id, r.backend?.name]));
    expect([backendOf.get(server.embedded), backendOf.get(server.ganeti)]).toEqual([
      embeddedName,
      BACKEND,
    ]);
    const onGaneti = await cluster.rapi().getInstance(await instanceOf(server.ganeti));
    expect([onGaneti.status, onGaneti.pnode]).toEqual(['running', cluster.nodeName]);
    const onEmbedded = (await embeddedRapi().listInstances()).map((i) => i.name);
    expect(onEmbedded).toEqual([await instanceOf(server.embedded)]);
    // The NIC Ganeti reports (through eventd's read-back and the hooks) is the port's.
    const detail = (await fleet.show(server.ganeti))!;
    expect(JSON.stringify(detail.addresses)).toContain(onGaneti['nic.ips'][0]);
    expect(JSON.stringify(detail.addresses).toLowerCase()).toContain(onGaneti['nic.macs'][0]);
  });

  it('reboots both: ACTIVE -> REBOOT -> ACTIVE', () =>
    phase(
      'reboot',
      ['ACTIVE', 'REBOOT(rebooting)', 'ACTIVE'],
      async (id) =>
        (await p.api('POST', `/servers/${id}/action`, { reboot: { type: 'SOFT' } })).status,
      202,
      (s) => s?.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'],
    ));

  it('stops both: ACTIVE -> powering-off -> SHUTOFF', async () => {
    await phase(
      'stop',
      ['ACTIVE', 'ACTIVE(powering-off)', 'SHUTOFF'],
      async (id) => (await p.api('POST', `/servers/${id}/action`, { 'os-stop': null })).status,
      202,
      (s) =>
        s?.status === 'SHUTOFF' && !s['OS-EXT-STS:task_state'] && s['OS-EXT-STS:power_state'] === 4,
    );
    const onGaneti = await cluster.rapi().getInstance(await instanceOf(server.ganeti));
    expect([onGaneti.admin_state, onGaneti.oper_state]).toEqual(['down', false]);
  });

  it('starts both: SHUTOFF -> powering-on -> ACTIVE', async () => {
    await phase(
      'start',
      ['SHUTOFF', 'SHUTOFF(powering-on)', 'ACTIVE'],
      async (id) => (await p.api('POST', `/servers/${id}/action`, { 'os-start': null })).status,
      202,
      (s) => s?.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'],
    );
    const onGaneti = await cluster.rapi().getInstance(await instanceOf(server.ganeti));
    expect(onGaneti.status).toBe('running');
  });

  it("catches up from Ganeti's job archive: a reboot finished and archived while eventd was down", async () => {
    await eventd.stop();
    const id = server.ganeti;
    fleet.resetSeen([id]);
    const r = await p.api('POST', `/servers/${id}/action`, { reboot: { type: 'HARD' } });
    expect(r.status).toBe(202);
    const jobId = (await p.prisma.server.findUniqueOrThrow({ where: { id } })).taskJobId!;
    const rapi = cluster.rapi();
    await eventually(
      `Ganeti job ${jobId} finished`,
      async () => (await rapi.getJob(jobId)).status === 'success',
      60_000,
      250,
    );
    // Ganeti's own archiving (as its watcher does for old jobs): archive/<id div 10000>/job-<id>.
    cluster.exec('gnt-job', 'archive', String(jobId));
    expect(
      existsSync(
        join(cluster.queueDir, 'archive', String(Math.floor(jobId / 10000)), `job-${jobId}`),
      ),
    ).toBe(true);
    expect(existsSync(join(cluster.queueDir, `job-${jobId}`))).toBe(false);
    expect((await fleet.show(id))?.status).toBe('HARD_REBOOT'); // nothing told Nefos yet
    await startGanetiEventd();
    await fleet.waitAll(
      'ACTIVE',
      [id],
      (s) => s?.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'],
      120_000,
    );
    expect(
      followsPath(fleet.seen.get(id)!, ['ACTIVE', 'HARD_REBOOT(rebooting_hard)', 'ACTIVE']),
    ).toBe(true);
  });

  it('answers a console request for the fake hypervisor with a conflict, not an error', async () => {
    const r = await p.api('POST', `/servers/${server.ganeti}/action`, {
      'os-getVNCConsole': { type: 'novnc' },
    });
    expect(r.status).toBe(409);
    expect(JSON.stringify(r.body)).toMatch(/console/i);
  });

  it('deletes both: gone from the API and from each backend', async () => {
    const instances = [await instanceOf(server.embedded), await instanceOf(server.ganeti)];
    await phase(
      'delete',
      ['ACTIVE', 'ACTIVE(deleting)', 'DELETED'],
      async (id) => (await p.api('DELETE', `/servers/${id}`)).status,
      204,
      (s) => s === undefined,
    );
    const rows = await p.prisma.server.findMany({
      where: { id: { in: [server.embedded, server.ganeti] } },
    });
    expect(rows.map((r) => [r.deleted, r.operstate])).toEqual([
      [true, 'DESTROYED'],
      [true, 'DESTROYED'],
    ]);
    expect((await cluster.rapi().listInstances()).map((i) => i.name)).not.toContain(instances[1]);
    expect(await embeddedRapi().listInstances()).toEqual([]);
  });

  it("brought every Ganeti state change through eventd following Ganeti's job queue", async () => {
    const inspector = new QueueInspector(p.env.config);
    try {
      const instance = await instanceOf(server.ganeti);
      const ops = (await inspector.jobs(QueueName.Op))
        .map((j) => j.data)
        .filter((m) => m.cluster === BACKEND && m.status === 'success')
        .filter((m) => 'instance' in m && m.instance === instance);
      expect(new Set(ops.map((m) => m.operation))).toEqual(
        new Set([
          'OP_INSTANCE_CREATE',
          'OP_INSTANCE_REBOOT',
          'OP_INSTANCE_SHUTDOWN',
          'OP_INSTANCE_STARTUP',
          'OP_INSTANCE_REMOVE',
        ]),
      );
      // Each one is a job Ganeti itself wrote, live in its queue or in its archive.
      for (const m of ops) {
        const live = join(cluster.queueDir, `job-${m.jobId}`);
        const bucket = String(Math.floor(m.jobId / 10000));
        const file = existsSync(live)
          ? live
          : join(cluster.queueDir, 'archive', bucket, `job-${m.jobId}`);
        const job = JSON.parse(readFileSync(file, 'utf8')) as {
          ops: Array<{ input: { OP_ID: string; instance_name: string }; status: string }>;
        };
        expect(job.ops.map((o) => [o.input.OP_ID, o.input.instance_name, o.status])).toEqual([
          [m.operation, instance, 'success'],
        ]);
      }
      // And the hooks, run by Ganeti inside its namespace, reported the NIC.
      const hooks = (await inspector.jobs(QueueName.Network))
        .map((j) => j.data)
        .filter((m) => m.cluster === BACKEND && m.operation === 'OP_INSTANCE_CREATE')
        .filter((m) => 'instance' in m && m.instance === instance);
      const created = ops.find((m) => m.operation === 'OP_INSTANCE_CREATE')!;
      const { jobFields } = created as unknown as { jobFields: { nics: Array<{ mac: string }> } };
      const mac = jobFields.nics[0].mac;
      expect(hooks.map((m) => 'nics' in m && m.nics?.map((n) => n.mac))).toEqual([[mac]]);
    } finally {
      await inspector.close();
    }
  });

  it('tears the cluster down and leaves no process, mount, link or namespace behind', async () => {
    const t = Date.now();
    await eventd.stop();
    const running = cluster.recordPids();
    expect(running.length).toBeGreaterThan(3); // the daemons really ran in there
    await cluster.stop();
    timings.teardown = Date.now() - t;
    expect(cluster.leftovers()).toEqual({ processes: [], mounts: [], links: [] });
  });
});
