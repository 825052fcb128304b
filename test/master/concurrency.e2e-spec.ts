import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess } from '../support/processes';
import {
  createBody,
  startMaster,
  type JobView,
  type MasterHandle,
  writeHook,
} from './master-harness';

const PARALLEL = 20;

const ts = (t: [number, number] | null): number => (t ? t[0] + t[1] / 1e6 : NaN);

describe('master job execution', () => {
  describe('locks and the worker pool', () => {
    let m: MasterHandle;
    let barrier: string;
    let trace: string;
    beforeAll(async () => {
      m = await startMaster({ NEFOS_MASTER_WORKERS: String(PARALLEL + 5) });
      barrier = join(m.dataDir, 'barrier');
      trace = join(m.dataDir, 'reboot-trace');
      mkdirSync(barrier);
      const hooks = join(m.dataDir, 'master', 'hooks');
      // Every startup waits until all twenty are inside their pre hook at once: it can only
      // pass when the jobs really run in parallel (and fails after 60 s if they do not).
      writeHook(
        join(hooks, 'instance-start-pre.d'),
        '10-barrier',
        `touch ${barrier}/$GANETI_INSTANCE_NAME; i=0\nwhile [ "$(ls ${barrier} | wc -l)" -lt ${PARALLEL} ]; do sleep 0.1; i=$((i+1)); [ $i -gt 600 ] && { echo "only $(ls ${barrier} | wc -l) in parallel"; exit 1; }; done; exit 0`,
      );
      writeHook(
        join(hooks, 'instance-reboot-pre.d'),
        '10-trace',
        `echo "begin $GANETI_INSTANCE_REBOOT_TYPE" >> ${trace}; sleep 0.5; echo "end $GANETI_INSTANCE_REBOOT_TYPE" >> ${trace}`,
      );
    });
    afterAll(() => m.stop());

    it(`runs ${PARALLEL} jobs on distinct instances in parallel`, async () => {
      const names = Array.from({ length: PARALLEL }, (_, i) => `nefos-par-${i}`);
      const creates = await Promise.all(
        names.map((n) =>
          m.call<number>('POST', '/2/instances', { body: createBody(n, { start: false }) }),
        ),
      );
      for (const c of creates) expect((await m.job(c.body)).status).toBe('success');
      const starts = await Promise.all(
        names.map((n) => m.call<number>('PUT', `/2/instances/${n}/startup`)),
      );
      const jobs = await Promise.all(starts.map((s) => m.job(s.body)));
      expect(
        jobs.filter((j) => j.status !== 'success').map((j) => JSON.stringify(j.opresult)),
      ).toEqual([]);
      expect(readdirSync(barrier).sort()).toEqual([...names].sort());
      const latestStart = Math.max(...jobs.map((j) => ts(j.start_ts)));
      const earliestEnd = Math.min(...jobs.map((j) => ts(j.end_ts)));
      expect(latestStart).toBeLessThan(earliestEnd);
    });

    it('serialises two conflicting jobs on the same instance', async () => {
      expect(
        (
          await m.job(
            (await m.call<number>('POST', '/2/instances', { body: createBody('nefos-conflict') }))
              .body,
          )
        ).status,
      ).toBe('success');
      const [a, b] = await Promise.all(
        ['soft', 'hard'].map((type) =>
          m.call<number>('POST', `/2/instances/nefos-conflict/reboot?type=${type}`),
        ),
      );
      const [ja, jb] = [await m.job(a.body), await m.job(b.body)];
      expect([ja.status, jb.status]).toEqual(['success', 'success']);
      const lines = readFileSync(trace, 'utf8').trim().split('\n');
      expect(lines.map((l) => l.split(' ')[0])).toEqual(['begin', 'end', 'begin', 'end']);
      const [first, second] = ts(ja.start_ts) < ts(jb.start_ts) ? [ja, jb] : [jb, ja];
      expect(ts(first.end_ts)).toBeLessThanOrEqual(
        ts((second as JobView & { opexec?: unknown }).end_ts),
      );
      const secondFile = JSON.parse(
        readFileSync(join(m.dataDir, 'master', 'queue', `job-${second.id}`), 'utf8'),
      );
      expect(
        secondFile.ops[0].exec_timestamp[0] + secondFile.ops[0].exec_timestamp[1] / 1e6,
      ).toBeGreaterThanOrEqual(ts(first.end_ts) - 0.001);
    });
  });

  describe('cancel', () => {
    let m: MasterHandle;
    beforeAll(async () => {
      m = await startMaster();
      writeHook(join(m.dataDir, 'master', 'hooks', 'instance-reboot-pre.d'), '10-slow', 'sleep 1');
    });
    afterAll(() => m.stop());

    it('cancels a job waiting for its locks; the running one is not cancelable and goes on', async () => {
      expect(
        (
          await m.job(
            (await m.call<number>('POST', '/2/instances', { body: createBody('nefos-c1') })).body,
          )
        ).status,
      ).toBe('success');
      const first = (await m.call<number>('POST', '/2/instances/nefos-c1/reboot')).body;
      const second = (await m.call<number>('POST', '/2/instances/nefos-c1/reboot')).body;
      for (
        let i = 0;
        i < 100 &&
        (await m.call<{ status: string }>('GET', `/2/jobs/${second}`)).body.status !== 'waiting';
        i++
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await m.call('DELETE', `/2/jobs/${first}`)).body).toEqual([
        false,
        `Job ${first} is no longer waiting in the queue`,
      ]);
      expect((await m.call('DELETE', `/2/jobs/${second}`)).body).toEqual([
        true,
        `Job ${second} will be canceled`,
      ]);
      const [j1, j2] = [await m.job(first), await m.job(second)];
      expect(j1.status).toBe('success');
      expect(j2).toMatchObject({
        status: 'canceled',
        opstatus: ['canceled'],
        opresult: ['Job canceled by request'],
      });
    });

    it('holds /wait open while nothing changes and answers when the job does', async () => {
      expect(
        (
          await m.job(
            (await m.call<number>('POST', '/2/instances', { body: createBody('nefos-c2') })).body,
          )
        ).status,
      ).toBe('success');
      const id = (await m.call<number>('POST', '/2/instances/nefos-c2/reboot')).body;
      let job = (await m.call<JobView>('GET', `/2/jobs/${id}`)).body;
      for (let i = 0; i < 100 && job.status !== 'running'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        job = (await m.call<JobView>('GET', `/2/jobs/${id}`)).body;
      }
      expect(job.status).toBe('running');
      // The reboot's pre hook sleeps a second; every answer of /wait must carry a change
      // (new log entries or a new status), and the last one the final status.
      let info: unknown[] = ['running'];
      let serial = Math.max(0, ...job.oplog.flat().map((l) => l[0]));
      for (let i = 0; i < 20 && info[0] !== 'success'; i++) {
        const r = await m.call<{ job_info: unknown[]; log_entries: Array<[number]> } | null>(
          'GET',
          `/2/jobs/${id}/wait`,
          {
            body: { fields: ['status'], previous_job_info: info, previous_log_serial: serial },
          },
        );
        expect(r.status).toBe(200);
        expect(r.body).not.toBeNull();
        const changed =
          JSON.stringify(r.body!.job_info) !== JSON.stringify(info) ||
          r.body!.log_entries.some((l) => l[0] > serial);
        expect(changed).toBe(true);
        info = r.body!.job_info;
        serial = Math.max(serial, ...r.body!.log_entries.map((l) => l[0]));
      }
      expect(info).toEqual(['success']);
      const quiet = await m.call<unknown>('GET', '/2/jobs/999/wait', {
        body: { fields: ['status'], previous_job_info: null, previous_log_serial: null },
      });
      expect(quiet.status).toBe(404);
    });

    it('checks a create with dry-run without creating anything', async () => {
      const job = await m.job(
        (await m.call<number>('POST', '/2/instances?dry-run=1', { body: createBody('nefos-dry') }))
          .body,
      );
      expect(job.status).toBe('success');
      expect(job.ops[0].dry_run).toBe(true);
      expect((await m.call('GET', '/2/instances/nefos-dry')).status).toBe(404);
    });
  });

  describe('a master killed with SIGKILL during a burst of 50 creates', () => {
    let m: MasterHandle;
    beforeAll(async () => {
      m = await startMaster({ NEFOS_MASTER_WORKERS: '4' });
      // Slow the creates down so that some are running when the master dies.
      writeHook(join(m.dataDir, 'master', 'hooks', 'instance-add-pre.d'), '10-slow', 'sleep 0.2');
    });
    afterAll(() => m.stop());

    it('loses no accepted job: each one ends success or error, and the cluster matches', async () => {
      const accepted: number[] = [];
      let killed = false;
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          try {
            const r = await m.call<number>('POST', '/2/instances', {
              body: createBody(`nefos-burst-${i}`),
            });
            if (r.status === 200) accepted.push(r.body);
            if (accepted.length === 25 && !killed) {
              killed = true;
              m.proc.child.kill('SIGKILL');
            }
          } catch {
            // sent while the master was dying: never accepted, so nothing to find later
          }
        }),
      );
      await m.proc.exited();
      expect(killed).toBe(true);
      expect(accepted.length).toBeGreaterThanOrEqual(25);

      m.proc = startProcess('dist/master/main.js', m.env);
      await m.proc.waitFor(/cluster master ready/);
      const jobs = await Promise.all(accepted.map((id) => m.job(id)));
      const byStatus: Record<string, number> = {};
      for (const j of jobs) byStatus[j.status] = (byStatus[j.status] ?? 0) + 1;
      expect(jobs.every((j) => j.id !== null)).toBe(true);
      expect(Object.keys(byStatus).every((s) => s === 'success' || s === 'error')).toBe(true);
      for (const j of jobs.filter((x) => x.status === 'error')) {
        // The interrupted op carries a kind the dispatcher matches (not the wording).
        expect(j.opresult[0]).toEqual([
          'OpExecError',
          [expect.stringMatching(/^Unclean master daemon shutdown/), 'unclean_shutdown'],
        ]);
      }
      const instances = (await m.call<Array<Record<string, unknown>>>('GET', '/2/instances?bulk=1'))
        .body;
      const created = jobs
        .filter((j) => j.status === 'success')
        .map((j) => j.ops[0].instance_name)
        .sort();
      expect(instances.map((i) => i.name).sort()).toEqual(created);
      expect(
        instances.filter((i) => i.status !== 'running').map((i) => `${i.name} ${i.status}`),
      ).toEqual([]);
      // Interrupted creates leave nothing behind on the node.
      const node = (await m.call<Array<{ id: string }>>('GET', '/2/nodes')).body[0].id;
      const dirs = readdirSync(join(m.dataDir, 'master', 'storage', node)).filter((d) =>
        d.startsWith('nefos-'),
      );
      expect(dirs.sort()).toEqual(created);
      // Every job file still parses and the serial is past every id.
      const queue = join(m.dataDir, 'master', 'queue');
      for (const id of accepted) expect(existsSync(join(queue, `job-${id}`))).toBe(true);
      expect(Number(readFileSync(join(queue, 'serial'), 'utf8'))).toBeGreaterThanOrEqual(
        Math.max(...accepted),
      );
      process.stdout.write(
        `SIGKILL burst: ${accepted.length} accepted, ${JSON.stringify(byStatus)}\n`,
      );
    });
  });
});
