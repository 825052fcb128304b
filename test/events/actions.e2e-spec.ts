import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventPublisher,
  QueueName,
  RapiClient,
  hashPassword,
  type OpEvent,
  type RapiJob,
} from '../../libs/contracts/src';
import { createTestIdentity } from '../support/identity-fixtures';
import { Fleet, type ServerView } from './support/fleet';
import { eventually, QueueInspector } from './support/queues';
import { startPipeline, type Pipeline } from './support/pipeline';

const OPENSTACK = '/usr/bin/openstack';
const PASSWORD = 'actions-e2e-password';

interface InstanceAction {
  action: string;
  request_id: string;
  message: string | null;
  user_id: string;
  project_id: string;
  instance_uuid: string;
  start_time: string;
  events?: Array<{ event: string; result: string | null; traceback?: string | null }>;
}

/** A hook script the master runs (Ganeti's layout: `<hooks>/<hpath>-<phase>.d/<name>`). */
function writeHook(hooksDir: string, dir: string, name: string, script: string): void {
  mkdirSync(join(hooksDir, dir), { recursive: true });
  writeFileSync(join(hooksDir, dir, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(hooksDir, dir, name), 0o755);
}

/**
 * What a user sees of requests whose backend job failed, and what happens to an accepted request
 * whose job was cut short by a crash of the master (the master never re-runs it; the dispatcher
 * submits the request again, a bounded number of times).
 */
describe('server actions: failures and master crashes', () => {
  let p: Pipeline;
  let fleet: Fleet;
  let rapi: RapiClient;
  let hooksDir: string;
  let home: string;

  const row = (id: string) => p.prisma.server.findUniqueOrThrow({ where: { id } });
  const isActive = (s: ServerView | undefined) =>
    s?.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'];

  async function actions(id: string): Promise<InstanceAction[]> {
    const r = await p.api<{ instanceActions: InstanceAction[] }>(
      'GET',
      `/servers/${id}/os-instance-actions`,
    );
    expect(r.status).toBe(200);
    return r.body.instanceActions;
  }

  /** Waits for the job the server's task waits for to be running on the master. */
  async function runningTaskJob(id: string, not?: number): Promise<number> {
    return eventually(
      `a running job for ${id}`,
      async () => {
        const jobId = (await row(id)).taskJobId;
        if (jobId === null || jobId === not) return false;
        return (await rapi.getJob(jobId)).status === 'running' ? jobId : false;
      },
      120_000,
      100,
    );
  }

  /** Backend jobs of `opcode` for the instance, as the master lists them. */
  async function jobsFor(instance: string, opcode: string): Promise<RapiJob[]> {
    return (await rapi.listJobs()).filter((j) =>
      (j.ops ?? []).some((o) => o.OP_ID === opcode && o.instance_name === instance),
    );
  }

  async function crashMaster(): Promise<void> {
    await p.stop('master', 'SIGKILL');
    await p.start('master');
  }

  function openstack(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        OPENSTACK,
        [...args, '-f', 'json'],
        {
          env: {
            PATH: '/usr/bin:/bin',
            HOME: home,
            OS_AUTH_URL: `http://127.0.0.1:${p.env.config.api.port}/identity/v3`,
            OS_IDENTITY_API_VERSION: '3',
            OS_USERNAME: p.identity.userName,
            OS_PASSWORD: PASSWORD,
            OS_USER_DOMAIN_NAME: 'Default',
            OS_PROJECT_NAME: p.identity.projectName,
            OS_PROJECT_DOMAIN_NAME: 'Default',
          },
          timeout: 120_000,
        },
        (err, stdout, stderr) => (err ? reject(new Error(`${stderr}${stdout}`)) : resolve(stdout)),
      );
    });
  }

  beforeAll(async () => {
    // One resubmission per request, so a second crash shows where the bound is.
    p = await startPipeline({ NEFOS_RESUBMIT_ATTEMPTS: '1' });
    fleet = new Fleet(p);
    hooksDir = p.env.config.master.hooksDir;
    rapi = new RapiClient({
      url: `https://127.0.0.1:${p.env.config.rapi.port}`,
      user: 'nefos',
      password: p.env.env.NEFOS_RAPI_PASSWORD,
      timeoutMs: 10_000,
      retries: 1,
    });
    await p.prisma.user.update({
      where: { id: p.identity.userId },
      data: { passwordHash: await hashPassword(PASSWORD) },
    });
    home = mkdtempSync(join(tmpdir(), 'nefos-actions-home-'));
  }, 600_000);
  afterAll(async () => {
    await p?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  describe('a job the backend refuses', () => {
    let id: string;
    let requestId: string;

    beforeAll(async () => {
      const image = await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
      [id] = await fleet.create(1, 'e2e-nano', image.id);
      await fleet.waitAll('ACTIVE', [id], isActive);
      writeHook(
        hooksDir,
        'instance-reboot-pre.d',
        '10-freeze',
        'echo "reboots are frozen for maintenance"; exit 1',
      );
      const r = await p.api('POST', `/servers/${id}/action`, { reboot: { type: 'SOFT' } });
      expect(r.status).toBe(202);
      requestId = r.headers.get('x-openstack-request-id')!;
      await fleet.waitAll('settled', [id], isActive);
      rmSync(join(hooksDir, 'instance-reboot-pre.d'), { recursive: true, force: true });
    });

    it('leaves the server ACTIVE without a fault', async () => {
      const s = await fleet.show(id);
      expect(s).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null });
      expect(s).not.toHaveProperty('fault');
    });

    it('lists the reboot with the reason it failed, and the create that succeeded', async () => {
      const list = await actions(id);
      expect(list.map((a) => [a.action, a.message])).toEqual([
        [
          'reboot',
          'Error: A pre hook refused the operation (10-freeze: reboots are frozen for maintenance)',
        ],
        ['create', null],
      ]);
      expect(list[0]).toMatchObject({
        request_id: requestId,
        instance_uuid: id,
        user_id: p.identity.userId,
        project_id: p.identity.projectId,
        start_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/),
      });
      expect(list[0]).not.toHaveProperty('events');
    });

    it('shows the backend job as the event: to the owner without, to an admin with details', async () => {
      const mine = await p.api<{ instanceAction: InstanceAction }>(
        'GET',
        `/servers/${id}/os-instance-actions/${requestId}`,
      );
      expect(mine.status).toBe(200);
      expect(mine.body.instanceAction.events).toEqual([
        {
          event: 'OP_INSTANCE_REBOOT',
          start_time: expect.any(String),
          finish_time: expect.any(String),
          result: 'Error',
        },
      ]);
      const admin = await createTestIdentity(p.prisma, { roles: ['admin'] });
      const res = await fetch(
        `http://127.0.0.1:${p.env.config.api.port}/compute/v2.1/servers/${id}/os-instance-actions/${requestId}`,
        { headers: { 'X-Auth-Token': admin.token } },
      );
      const body = (await res.json()) as { instanceAction: InstanceAction };
      expect(body.instanceAction.events![0].traceback).toMatch(/^job \d+: HooksAbort: /);
    });

    it('answers 404 for an unknown request id and for another project', async () => {
      const unknown = await p.api('GET', `/servers/${id}/os-instance-actions/req-nothing`);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toHaveProperty('itemNotFound');
      const other = await createTestIdentity(p.prisma, { roles: ['member'] });
      const res = await fetch(
        `http://127.0.0.1:${p.env.config.api.port}/compute/v2.1/servers/${id}/os-instance-actions`,
        { headers: { 'X-Auth-Token': other.token } },
      );
      expect(res.status).toBe(404);
    });

    it('is what `openstack server event list|show` print', async () => {
      const list = JSON.parse(await openstack('server', 'event', 'list', id, '--long')) as Array<
        Record<string, string>
      >;
      expect(list.map((e) => [e.Action, e['Request ID'], e.Message])).toEqual([
        [
          'reboot',
          requestId,
          'Error: A pre hook refused the operation (10-freeze: reboots are frozen for maintenance)',
        ],
        ['create', expect.stringMatching(/^req-/), null],
      ]);
      const shown = JSON.parse(await openstack('server', 'event', 'show', id, requestId)) as Record<
        string,
        unknown
      >;
      expect(shown).toMatchObject({ action: 'reboot', request_id: requestId });
      expect(JSON.stringify(shown.events)).toContain('OP_INSTANCE_REBOOT');
    });
  });

  describe('a stop whose job was running when the master was SIGKILLed', () => {
    let id: string;
    let instance: string;
    let first: number;
    let again: number;
    let requestId: string;
    let whileWaiting: { jobs: number; taskJobId: number | null; outcome: unknown };

    /** Delivers a copy of the cut job's error event again (a new BullMQ id, so none is dropped). */
    async function redeliverCut(): Promise<unknown> {
      const cut = await rapi.getJob(first);
      const publisher = new EventPublisher(p.env.config);
      const inspector = new QueueInspector(p.env.config);
      try {
        const message: OpEvent = {
          type: 'op',
          cluster: p.env.config.master.clusterName,
          jobId: first,
          opIndex: 0,
          operation: 'OP_INSTANCE_SHUTDOWN',
          status: 'error',
          eventTime: cut.end_ts!,
          logmsg: '',
          result: cut.opresult![0],
          requestId,
          instance,
          jobFields: {},
        };
        const key = await publisher.publish(message, `again-${Date.now()}`);
        return await eventually('the redelivered event processed', async () => {
          const j = await inspector.queue(QueueName.Op).getJob(key);
          return j && (await j.isCompleted()) ? j.returnvalue : false;
        });
      } finally {
        await publisher.close();
        await inspector.close();
      }
    }

    beforeAll(async () => {
      const image = await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
      [id] = await fleet.create(1, 'e2e-nano', image.id);
      await fleet.waitAll('ACTIVE', [id], isActive);
      instance = (await row(id)).instanceName;
      // A slow pre hook keeps the op running long enough to be cut short.
      writeHook(hooksDir, 'instance-stop-pre.d', '05-slow', 'sleep 3');
      const r = await p.api('POST', `/servers/${id}/action`, { 'os-stop': null });
      expect(r.status).toBe(202);
      requestId = r.headers.get('x-openstack-request-id')!;
      first = await runningTaskJob(id);
      await crashMaster();
      // While the task waits for the resubmitted job, the cut job's error arrives once more.
      again = await runningTaskJob(id, first);
      const outcome = await redeliverCut();
      whileWaiting = {
        jobs: (await jobsFor(instance, 'OP_INSTANCE_SHUTDOWN')).length,
        taskJobId: (await row(id)).taskJobId,
        outcome,
      };
      await fleet.waitAll(
        'SHUTOFF',
        [id],
        (s) => s?.status === 'SHUTOFF' && !s['OS-EXT-STS:task_state'],
      );
    });
    afterAll(() => rmSync(join(hooksDir, 'instance-stop-pre.d'), { recursive: true, force: true }));

    it('is submitted again by the dispatcher with the same request id, and reaches SHUTOFF', async () => {
      const jobs = await jobsFor(instance, 'OP_INSTANCE_SHUTDOWN');
      expect(jobs.map((j) => [j.id, j.status])).toEqual([
        [first, 'error'],
        [again, 'success'],
      ]);
      const [cut, redone] = [await rapi.getJob(first), await rapi.getJob(again)];
      expect(cut.opresult![0]).toEqual([
        'OpExecError',
        [expect.stringMatching(/^Unclean master daemon shutdown/), 'unclean_shutdown'],
      ]);
      expect(JSON.stringify(redone.ops![0].reason)).toContain(requestId);
      const s = await row(id);
      expect([s.operstate, s.task, s.taskJobId]).toEqual(['STOPPED', null, null]);
    });

    it('submits nothing when the error event is delivered again', async () => {
      // Recorded as a copy (or as older than the new job's own events), nothing submitted.
      expect(whileWaiting).toEqual({
        jobs: 2,
        taskJobId: again,
        outcome: expect.stringMatching(/^(duplicate|stale)$/),
      });
      expect(await redeliverCut()).not.toBe('resubmitted');
      expect((await jobsFor(instance, 'OP_INSTANCE_SHUTDOWN')).length).toBe(2);
      const s = await row(id);
      expect([s.operstate, s.task]).toEqual(['STOPPED', null]);
    });

    it('shows one stop action with both jobs as events and no error', async () => {
      const [stop] = await actions(id);
      expect([stop.action, stop.request_id, stop.message]).toEqual(['stop', requestId, null]);
      const shown = await p.api<{ instanceAction: InstanceAction }>(
        'GET',
        `/servers/${id}/os-instance-actions/${requestId}`,
      );
      expect(shown.body.instanceAction.events!.map((e) => [e.event, e.result])).toEqual([
        ['OP_INSTANCE_SHUTDOWN', 'Error'],
        ['OP_INSTANCE_SHUTDOWN', 'Success'],
      ]);
    });
  });

  describe('a create whose job was running when the master was SIGKILLed', () => {
    let id: string;

    beforeAll(async () => {
      const image = await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
      writeHook(hooksDir, 'instance-add-pre.d', '05-slow', 'sleep 3');
      [id] = await fleet.create(1, 'e2e-nano', image.id);
      await runningTaskJob(id);
      await crashMaster();
      await fleet.waitAll('ACTIVE', [id], isActive);
    });
    afterAll(() => rmSync(join(hooksDir, 'instance-add-pre.d'), { recursive: true, force: true }));

    it('is built by the resubmitted job: one instance, addresses kept, quota settled once', async () => {
      const s = await row(id);
      const jobs = await jobsFor(s.instanceName, 'OP_INSTANCE_CREATE');
      expect(jobs.map((j) => j.status)).toEqual(['error', 'success']);
      const instances = (await rapi.listInstances()).filter((i) => i.name === s.instanceName);
      expect(instances).toHaveLength(1);
      const port = await p.prisma.port.findFirstOrThrow({ where: { serverId: id } });
      expect((instances[0] as unknown as Record<string, unknown>)['nic.macs']).toEqual([
        port.macAddress,
      ]);
      const commissions = await p.prisma.commission.findMany({ where: { serverId: id } });
      expect(commissions.map((c) => [c.action, c.status])).toEqual([['create', 'ACCEPTED']]);
      const [create] = await actions(id);
      expect([create.action, create.message]).toEqual(['create', null]);
      // The trail (and an admin's view of the event) says what could not be sent again.
      const notes = await p.prisma.serverTrail.findFirstOrThrow({
        where: { serverId: id, source: 'rapi', message: { contains: 'submitted again' } },
      });
      expect(JSON.stringify(notes.data)).toContain('the admin password was not sent again');
    });
  });

  describe('a start cut short twice, with NEFOS_RESUBMIT_ATTEMPTS=1', () => {
    let id: string;

    beforeAll(async () => {
      const image = await p.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
      [id] = await fleet.create(1, 'e2e-nano', image.id);
      await fleet.waitAll('ACTIVE', [id], isActive);
      expect((await p.api('POST', `/servers/${id}/action`, { 'os-stop': null })).status).toBe(202);
      await fleet.waitAll(
        'SHUTOFF',
        [id],
        (s) => s?.status === 'SHUTOFF' && !s['OS-EXT-STS:task_state'],
      );
      writeHook(hooksDir, 'instance-start-pre.d', '05-slow', 'sleep 3');
      expect((await p.api('POST', `/servers/${id}/action`, { 'os-start': null })).status).toBe(202);
      const first = await runningTaskJob(id);
      await crashMaster();
      await runningTaskJob(id, first); // the resubmitted job
      await crashMaster();
      await fleet.waitAll('settled', [id], (s) => !!s && !s['OS-EXT-STS:task_state']);
    });
    afterAll(() =>
      rmSync(join(hooksDir, 'instance-start-pre.d'), { recursive: true, force: true }),
    );

    it('gives up after one resubmission: the server stays SHUTOFF and the start shows why', async () => {
      const s = await fleet.show(id);
      expect(s).toMatchObject({ status: 'SHUTOFF', 'OS-EXT-STS:task_state': null });
      expect(s).not.toHaveProperty('fault');
      const [start] = await actions(id);
      expect(start.action).toBe('start');
      expect(start.message).toMatch(/^Error: Unclean master daemon shutdown/);
      const trail = await p.prisma.serverTrail.findMany({
        where: { serverId: id, requestId: start.request_id },
        orderBy: { id: 'asc' },
      });
      expect(trail.filter((t) => /submitted again/.test(t.message))).toHaveLength(1);
      expect(
        trail.some((t) => JSON.stringify(t.data).includes('not submitted again: it was already')),
      ).toBe(true);
    });

    it('lets the user start it again', async () => {
      rmSync(join(hooksDir, 'instance-start-pre.d'), { recursive: true, force: true });
      expect((await p.api('POST', `/servers/${id}/action`, { 'os-start': null })).status).toBe(202);
      await fleet.waitAll('ACTIVE', [id], isActive);
    });
  });
});
