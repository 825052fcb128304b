import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RapiClient } from '../../libs/contracts/src/rapi';
import {
  createBody,
  opError,
  RAPI_PASSWORD,
  startMaster,
  type MasterHandle,
} from './master-harness';

describe('cluster master RAPI (libvirt test driver)', () => {
  let m: MasterHandle;
  beforeAll(async () => {
    m = await startMaster();
  });
  afterAll(() => m.stop());

  describe('GET /version, /2/features, /2/info, /2/os', () => {
    it('answers as Ganeti does', async () => {
      expect((await m.call('GET', '/version')).body).toBe(2);
      expect((await m.call('GET', '/2/features')).body).toEqual([
        'instance-create-reqv1',
        'instance-reinstall-reqv1',
        'node-migrate-reqv1',
        'node-evac-res1',
      ]);
      const info = (await m.call<Record<string, unknown>>('GET', '/2/info')).body;
      expect(info).toMatchObject({
        name: 'nefos-local',
        enabled_hypervisors: ['fake'],
        enabled_disk_templates: ['file', 'diskless'],
      });
      for (const k of [
        'master',
        'software_version',
        'beparams',
        'nicparams',
        'uuid',
        'ctime',
        'mtime',
        'tags',
      ])
        expect(info).toHaveProperty(k);
      expect((await m.call('GET', '/2/os')).body).toEqual(['nefos-image+default']);
    });
  });

  describe('errors', () => {
    it('answers 404 for an unknown URI and object, 501 for a wrong method, in Ganeti error bodies', async () => {
      const r = await m.call('GET', '/2/nothing');
      expect(r.status).toBe(404);
      expect(r.body).toEqual({
        code: 404,
        message: 'Not Found',
        explain: 'Nothing matches the given URI',
      });
      expect((await m.call('GET', '/2/instances/no-such')).status).toBe(404);
      const wrong = await m.call<{ message: string }>('PATCH', '/2/instances');
      expect(wrong.status).toBe(501);
      expect(wrong.body.message).toBe('Method PATCH is unsupported for path /2/instances');
    });

    it('answers 400 for bad JSON, 415 for other content types, 400 for invalid opcode parameters', async () => {
      const bad = await m.call<{ message: string }>('POST', '/2/instances', { rawBody: '{nope' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toBe('Unable to parse JSON data');
      expect(
        (
          await m.call('POST', '/2/instances', {
            rawBody: 'a=b',
            contentType: 'application/x-www-form-urlencoded',
          })
        ).status,
      ).toBe(415);
      const v0 = await m.call<{ message: string }>('POST', '/2/instances', { body: { name: 'x' } });
      expect(v0.status).toBe(400);
      expect(v0.body.message).toMatch(/version 0 is no longer supported/);
      const template = await m.call<{ message: string }>('POST', '/2/instances', {
        body: createBody('x1', { disk_template: 'floppy' }),
      });
      expect(template.status).toBe(400);
      expect(template.body.message).toMatch(/Invalid body parameters: disk_template/);
      const unknown = await m.call<{ message: string }>('POST', '/2/instances', {
        body: createBody('x1', { colour: 'red' }),
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toMatch(/unknown parameter\(s\) colour/);
      expect((await m.call('POST', '/2/instances/x1/reboot?type=gentle')).status).toBe(400);
    });
  });

  describe('authentication', () => {
    it('answers 401 with the Ganeti realm without or with wrong credentials', async () => {
      for (const auth of [
        null,
        ['nefos', 'wrong'] as [string, string],
        ['nobody', RAPI_PASSWORD] as [string, string],
      ]) {
        const r = await m.call('GET', '/2/instances', { auth });
        expect(r.status).toBe(401);
        expect(r.headers['www-authenticate']).toBe('Basic realm="Ganeti Remote API"');
        expect((r.body as { code: number }).code).toBe(401);
      }
    });

    it('lets a read-only user read, answers 403 to its writes and /wait, and reloads the users file on SIGHUP', async () => {
      const users = join(m.dataDir, 'master', 'rapi_users');
      expect(readFileSync(users, 'utf8')).toMatch(/^nefos \{HA1\}[0-9a-f]{32} write$/m);
      const reader: [string, string] = ['auditor', 'reader-pw'];
      expect((await m.call('GET', '/2/info', { auth: reader })).status).toBe(401);
      appendFileSync(users, 'auditor {cleartext}reader-pw read\n');
      m.proc.child.kill('SIGHUP');
      await m.proc.waitFor(/reloaded the RAPI users file/);
      expect((await m.call('GET', '/2/info', { auth: reader })).status).toBe(200);
      const write = await m.call('POST', '/2/instances', {
        auth: reader,
        body: createBody('ro-1'),
      });
      expect(write.status).toBe(403);
      expect(write.body).toEqual({
        code: 403,
        message: 'Forbidden',
        explain: 'Request forbidden -- authorization will not help',
      });
      expect(
        (await m.call('GET', '/2/jobs/1/wait', { auth: reader, body: { fields: ['status'] } }))
          .status,
      ).toBe(403);
      expect((await m.call('GET', '/2/instances', { auth: reader })).status).toBe(200);
    });
  });

  describe('instances', () => {
    it('creates an instance with the reason trail in the job file and reports Ganeti instance fields', async () => {
      const r = await m.call<number>('POST', '/2/instances?reason=req-0001', {
        body: createBody('nefos-i1', { tags: ['a:b'] }),
      });
      expect(r.status).toBe(200);
      expect(typeof r.body).toBe('number');
      const job = await m.job(r.body);
      expect(job.status).toBe('success');
      expect(job.opresult).toEqual([[expect.any(String)]]);
      expect(job.summary).toEqual(['INSTANCE_CREATE(nefos-i1)']);
      const file = JSON.parse(
        readFileSync(join(m.dataDir, 'master', 'queue', `job-${r.body}`), 'utf8'),
      );
      expect(file).not.toHaveProperty('status');
      expect(file.ops[0].input).toMatchObject({
        OP_ID: 'OP_INSTANCE_CREATE',
        instance_name: 'nefos-i1',
        disk_template: 'file',
      });
      expect(file.ops[0].input.reason[0]).toEqual(['gnt:user', 'req-0001', expect.any(Number)]);
      expect(readFileSync(join(m.dataDir, 'master', 'queue', 'serial'), 'utf8').trim()).toBe(
        String(r.body),
      );

      const inst = (await m.call<Record<string, unknown>>('GET', '/2/instances/nefos-i1')).body;
      expect(inst).toMatchObject({
        name: 'nefos-i1',
        admin_state: 'up',
        oper_state: true,
        status: 'running',
        disk_template: 'file',
        'disk.sizes': [1024],
        'nic.modes': ['routed'],
        snodes: [],
        tags: ['a:b'],
      });
      expect((inst.beparams as Record<string, unknown>).maxmem).toBe(128);
      expect(inst['nic.macs']).toEqual([expect.stringMatching(/^aa:00:00(:[0-9a-f]{2}){3}$/)]);
      expect((await m.call('GET', '/2/instances')).body).toEqual([
        { id: 'nefos-i1', uri: '/2/instances/nefos-i1' },
      ]);
      const bulk = (await m.call<Array<Record<string, unknown>>>('GET', '/2/instances?bulk=1'))
        .body;
      expect(bulk.map((i) => i.name)).toEqual(['nefos-i1']);
    });

    it('fails a wrong-state request with OpPrereqError and its kind', async () => {
      const start = await m.job(
        (await m.call<number>('PUT', '/2/instances/nefos-i1/startup')).body,
      );
      expect(start.status).toBe('error');
      expect(opError(start)).toEqual([
        'OpPrereqError',
        [expect.stringMatching(/already running/), 'wrong_state'],
      ]);
      const missing = await m.job(
        (await m.call<number>('DELETE', '/2/instances/nefos-ghost')).body,
      );
      expect(opError(missing)).toEqual([
        'OpPrereqError',
        ["Instance 'nefos-ghost' not known", 'unknown_entity'],
      ]);
      const twice = await m.job(
        (await m.call<number>('POST', '/2/instances', { body: createBody('nefos-i1') })).body,
      );
      expect(opError(twice)[1][1]).toBe('already_exists');
      const plain = await m.job(
        (
          await m.call<number>('POST', '/2/instances', {
            body: createBody('nefos-p', { disk_template: 'plain' }),
          })
        ).body,
      );
      expect(opError(plain)).toEqual([
        'OpPrereqError',
        [expect.stringMatching(/not enabled in the cluster/), 'wrong_state'],
      ]);
      const noImage = await m.job(
        (
          await m.call<number>('POST', '/2/instances', {
            body: createBody('nefos-q', { osparams: { img_id: 'missing' } }),
          })
        ).body,
      );
      expect(opError(noImage)[1][1]).toBe('unknown_entity');
    });

    it('shuts down with a timeout, answers the console with 503 while down, starts, reboots', async () => {
      expect((await m.call('GET', '/2/instances/nefos-i1/console')).body).toMatchObject({
        instance: 'nefos-i1',
        kind: 'vnc',
        host: '127.0.0.1',
      });
      expect(
        (
          await m.job(
            (
              await m.call<number>('PUT', '/2/instances/nefos-i1/shutdown', {
                body: { timeout: 5 },
              })
            ).body,
          )
        ).status,
      ).toBe('success');
      const down = (await m.call<Record<string, unknown>>('GET', '/2/instances/nefos-i1')).body;
      expect(down).toMatchObject({ admin_state: 'down', oper_state: false, status: 'ADMIN_down' });
      expect((await m.call('GET', '/2/instances/nefos-i1/console')).status).toBe(503);
      const again = await m.job(
        (await m.call<number>('PUT', '/2/instances/nefos-i1/shutdown')).body,
      );
      expect(opError(again)[1][1]).toBe('wrong_state');
      const reboot = await m.job(
        (await m.call<number>('POST', '/2/instances/nefos-i1/reboot?type=soft')).body,
      );
      expect(opError(reboot)[1][1]).toBe('wrong_state');
      expect(
        (await m.job((await m.call<number>('PUT', '/2/instances/nefos-i1/startup')).body)).status,
      ).toBe('success');
      for (const type of ['soft', 'hard', 'full']) {
        const job = await m.job(
          (await m.call<number>('POST', `/2/instances/nefos-i1/reboot?type=${type}`)).body,
        );
        expect(job.status).toBe('success');
        expect(job.ops[0]).toMatchObject({ OP_ID: 'OP_INSTANCE_REBOOT', reboot_type: type });
      }
      expect(
        (await m.call<Record<string, unknown>>('GET', '/2/instances/nefos-i1')).body.status,
      ).toBe('running');
    });

    it('modifies beparams, NICs and disks, grows a disk and reinstalls', async () => {
      const mod = await m.job(
        (
          await m.call<number>('PUT', '/2/instances/nefos-i1/modify', {
            body: {
              beparams: { maxmem: 256, minmem: 256 },
              nics: [['add', -1, { mode: 'routed', ip: '10.1.2.3' }]],
              disks: [['add', -1, { size: 512 }]],
            },
          })
        ).body,
      );
      expect(mod.status).toBe('success');
      const grow = await m.job(
        (
          await m.call<number>('POST', '/2/instances/nefos-i1/disk/1/grow', {
            body: { amount: 256 },
          })
        ).body,
      );
      expect(grow.status).toBe('success');
      let inst = (await m.call<Record<string, unknown>>('GET', '/2/instances/nefos-i1')).body;
      expect(inst['disk.sizes']).toEqual([1024, 768]);
      expect(inst['nic.ips']).toEqual([null, '10.1.2.3']);
      expect((inst.beparams as Record<string, number>).maxmem).toBe(256);
      const removeRunning = await m.job(
        (
          await m.call<number>('PUT', '/2/instances/nefos-i1/modify', {
            body: { disks: [['remove', 1, {}]] },
          })
        ).body,
      );
      expect(opError(removeRunning)[1][1]).toBe('wrong_state');
      const reinstall = await m.job(
        (
          await m.call<number>('POST', '/2/instances/nefos-i1/reinstall', {
            body: { start: true, osparams: { img_id: 'nefos-tiny' } },
          })
        ).body,
      );
      expect(reinstall.status).toBe('success');
      expect(reinstall.ops.map((o) => o.OP_ID)).toEqual([
        'OP_INSTANCE_SHUTDOWN',
        'OP_INSTANCE_REINSTALL',
        'OP_INSTANCE_STARTUP',
      ]);
      inst = (await m.call<Record<string, unknown>>('GET', '/2/instances/nefos-i1')).body;
      expect(inst.status).toBe('running');
      const info = await m.job((await m.call<number>('GET', '/2/instances/nefos-i1/info')).body);
      expect(
        (info.opresult[0] as Record<string, Record<string, unknown>>)['nefos-i1'],
      ).toMatchObject({ config_state: 'up', run_state: 'up' });
    });

    it('sets and deletes tags through jobs', async () => {
      expect(
        (
          await m.job(
            (await m.call<number>('PUT', '/2/instances/nefos-i1/tags?tag=x1&tag=x2')).body,
          )
        ).status,
      ).toBe('success');
      expect((await m.call('GET', '/2/instances/nefos-i1/tags')).body).toEqual(['a:b', 'x1', 'x2']);
      expect(
        (await m.job((await m.call<number>('DELETE', '/2/instances/nefos-i1/tags?tag=x1')).body))
          .status,
      ).toBe('success');
      expect((await m.call('GET', '/2/instances/nefos-i1/tags')).body).toEqual(['a:b', 'x2']);
    });

    it('runs the heartbeat: a dry-run cluster tag job that succeeds without changing tags', async () => {
      const id = (
        await m.call<number>('PUT', '/2/tags?tag=nefos-heartbeat-abc&dry-run=1&reason=hb')
      ).body;
      const job = await m.job(id);
      expect(job.status).toBe('success');
      expect(job.ops[0]).toMatchObject({
        OP_ID: 'OP_TAGS_SET',
        kind: 'cluster',
        dry_run: true,
        tags: ['nefos-heartbeat-abc'],
      });
      expect(existsSync(join(m.dataDir, 'master', 'queue', `job-${id}`))).toBe(true);
      expect((await m.call('GET', '/2/tags')).body).toEqual([]);
    });

    it('removes the instance, its domain and its disk files', async () => {
      const [node] = (await m.call<Array<{ id: string }>>('GET', '/2/nodes')).body;
      expect(
        existsSync(join(m.dataDir, 'master', 'storage', node.id, 'nefos-i1', 'disk0.raw')),
      ).toBe(true);
      const job = await m.job((await m.call<number>('DELETE', '/2/instances/nefos-i1')).body);
      expect(job.status).toBe('success');
      expect((await m.call('GET', '/2/instances/nefos-i1')).status).toBe(404);
      expect(existsSync(join(m.dataDir, 'master', 'storage', node.id, 'nefos-i1'))).toBe(false);
    });
  });

  describe('jobs', () => {
    it('answers an unknown job with all fields null, lists jobs with numeric ids', async () => {
      const r = await m.call<Record<string, unknown>>('GET', '/2/jobs/99999');
      expect(r.status).toBe(200);
      expect(Object.values(r.body).every((v) => v === null)).toBe(true);
      const list = (await m.call<Array<{ id: number; uri: string }>>('GET', '/2/jobs')).body;
      expect(list[0]).toEqual({ id: 1, uri: '/2/jobs/1' });
      expect(
        (await m.call('GET', '/2/jobs/99999/wait', { body: { fields: ['status'] } })).status,
      ).toBe(404);
    });

    it('long-polls /wait until the job changes, through the API client', async () => {
      const client = new RapiClient({
        url: `https://127.0.0.1:${m.port}`,
        user: 'nefos',
        password: RAPI_PASSWORD,
        timeoutMs: 15000,
        retries: 0,
      });
      const id = await client.createInstance(createBody('nefos-w1') as never, {
        reason: 'req-wait',
      });
      let info: unknown[] | null = null;
      let serial: number | null = null;
      const seen: string[] = [];
      for (let i = 0; i < 20 && seen.at(-1) !== 'success'; i++) {
        const r = await client.waitForJobChange(id, ['status'], info, serial);
        if (!r) continue;
        info = r.job_info;
        seen.push(String(r.job_info[0]));
        serial = r.log_entries.length ? Number(r.log_entries.at(-1)![0]) : serial;
      }
      expect(seen.at(-1)).toBe('success');
      // Nothing changes any more: a finished job answers at once with its final state.
      expect(await client.waitForJobChange(id, ['status'], ['success'], serial)).toMatchObject({
        job_info: ['success'],
        log_entries: [],
      });
      expect((await client.getInstance('nefos-w1')).status).toBe('running');
    });

    it('cancels a queued job and refuses to cancel a finished one', async () => {
      const done = (await m.call<number>('PUT', '/2/tags?tag=t1')).body;
      await m.job(done);
      expect((await m.call('DELETE', `/2/jobs/${done}`)).body).toEqual([
        false,
        `Job ${done} is no longer waiting in the queue`,
      ]);
    });
  });

  describe('networks and groups', () => {
    it('adds a network, connects it, allocates from its pool, and refuses to remove it while used', async () => {
      expect(
        (
          await m.job(
            (
              await m.call<number>('POST', '/2/networks', {
                body: { network_name: 'pub', network: '10.50.0.0/24', gateway: '10.50.0.1' },
              })
            ).body,
          )
        ).status,
      ).toBe('success');
      const connect = await m.call<number>('PUT', '/2/networks/pub/connect', {
        body: {
          group_name: 'default',
          network_mode: 'routed',
          network_link: 'rt_pub',
          network_vlan: '',
        },
      });
      expect((await m.job(connect.body)).status).toBe('success');
      const create = await m.job(
        (
          await m.call<number>('POST', '/2/instances', {
            body: createBody('nefos-n1', { nics: [{ network: 'pub', ip: 'pool' }] }),
          })
        ).body,
      );
      expect(create.status).toBe('success');
      const inst = (await m.call<Record<string, unknown>>('GET', '/2/instances/nefos-n1')).body;
      expect(inst['nic.ips']).toEqual(['10.50.0.2']);
      expect(inst['nic.links']).toEqual(['rt_pub']);
      expect(inst['nic.networks.names']).toEqual(['pub']);
      const net = (await m.call<Record<string, unknown>>('GET', '/2/networks/pub')).body;
      expect(net).toMatchObject({
        network: '10.50.0.0/24',
        gateway: '10.50.0.1',
        inst_list: ['nefos-n1'],
        group_list: [['default', 'routed', 'rt_pub', '']],
      });
      expect((await m.call('GET', '/2/networks')).body).toEqual([
        { name: 'pub', uri: '/2/networks/pub' },
      ]);
      const busy = await m.job(
        (
          await m.call<number>('PUT', '/2/networks/pub/disconnect', {
            body: { group_name: 'default' },
          })
        ).body,
      );
      expect(opError(busy)[1][1]).toBe('wrong_state');
      await m.job((await m.call<number>('DELETE', '/2/instances/nefos-n1')).body);
      expect(
        (
          await m.job(
            (
              await m.call<number>('PUT', '/2/networks/pub/disconnect', {
                body: { group_name: 'default' },
              })
            ).body,
          )
        ).status,
      ).toBe('success');
      expect((await m.job((await m.call<number>('DELETE', '/2/networks/pub')).body)).status).toBe(
        'success',
      );
      const groups = (await m.call<Array<Record<string, unknown>>>('GET', '/2/groups?bulk=1')).body;
      expect(groups[0]).toMatchObject({ name: 'default', node_cnt: 1 });
    });
  });

  describe('nodes', () => {
    it('reports capacity, drains a node so that creates find no room, and undrains it', async () => {
      const [node] = (await m.call<Array<Record<string, unknown>>>('GET', '/2/nodes?bulk=1')).body;
      expect(node).toMatchObject({ offline: false, drained: false, ctotal: 16, mtotal: 32768 });
      expect(node.mfree).toBe(32768 - 128);
      const name = node.name as string;
      expect((await m.call('GET', `/2/nodes/${name}/role`)).body).toBe('master');
      expect(
        (
          await m.job(
            (await m.call<number>('PUT', `/2/nodes/${name}/role`, { body: 'drained' })).body,
          )
        ).status,
      ).toBe('success');
      const full = await m.job(
        (await m.call<number>('POST', '/2/instances', { body: createBody('nefos-d1') })).body,
      );
      expect(opError(full)).toEqual([
        'OpPrereqError',
        [expect.stringMatching(/drained/), 'insufficient_resources'],
      ]);
      expect(
        (
          await m.job(
            (await m.call<number>('POST', `/2/nodes/${name}/modify`, { body: { drained: false } }))
              .body,
          )
        ).status,
      ).toBe('success');
      expect((await m.call<Record<string, unknown>>('GET', `/2/nodes/${name}`)).body.drained).toBe(
        false,
      );
    });
  });

  describe('GET /metrics', () => {
    it('serves Prometheus metrics named nefos_master_*', async () => {
      const text = await (await fetch(`http://127.0.0.1:${m.metricsPort}/metrics`)).text();
      expect(text).toMatch(
        /nefos_master_jobs_total\{opcode="OP_INSTANCE_CREATE",status="success"\} \d+/,
      );
      expect(text).toMatch(/nefos_master_job_duration_seconds_bucket/);
      expect(text).toMatch(/nefos_master_job_queue_length\{status="queued"\} 0/);
      expect(text).toMatch(/nefos_master_running_workers 0/);
      expect(text).toMatch(/nefos_master_node_memory_total_bytes\{node="[^"]+"\} 34359738368/);
    });
  });
});
