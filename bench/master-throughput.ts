import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RapiClient, type RapiInstanceCreate } from '@nefos/contracts';
import { cli, num } from './support/cli';
import { onCleanup, runBench } from './support/lifecycle';
import { freePort, startEntry, waitForPort } from './support/processes';
import { progress, report, type Figure } from './support/report';
import { closedLoop, elapsedMs, ganetiSeconds, percentile, pool } from './support/stats';

const BENCH = 'master';
const FINAL = new Set(['success', 'error', 'canceled']);
const OPS = ['create', 'shutdown', 'startup', 'reboot', 'remove'] as const;
type Op = (typeof OPS)[number];

const args = cli(
  "npm run bench:master -- [options]\n\nN creates, then N shutdowns, startups, reboots and removals through RAPI v2 with C concurrent\nsubmitters. Without --url it starts a private master on libvirt's test driver.",
  {
    url: {
      type: 'string',
      help: 'RAPI endpoint (https://host:5080) of any RAPI v2 master; env NEFOS_BENCH_RAPI_URL',
    },
    user: {
      type: 'string',
      help: 'RAPI user with write access; env NEFOS_BENCH_RAPI_USER',
      default: process.env.NEFOS_BENCH_RAPI_USER ?? 'nefos',
    },
    'password-file': {
      type: 'string',
      help: 'file holding the RAPI password; else env NEFOS_BENCH_RAPI_PASSWORD',
    },
    count: { type: 'string', default: '200', help: 'N: instances' },
    concurrency: { type: 'string', default: '8', help: 'C: concurrent submitters' },
    'floor-seconds': { type: 'string', default: '5', help: 'duration of the GET /version floor' },
    'test-nodes': { type: 'string', default: '4', help: 'simulated nodes of the private master' },
    'disk-template': { type: 'string', default: 'file', help: 'disk_template of the creates' },
    'disk-size': { type: 'string', default: '128', help: 'MiB of the one disk (0: no disk)' },
    memory: { type: 'string', default: '32', help: 'MiB of memory (beparams maxmem/minmem)' },
    os: { type: 'string', default: 'nefos-image+default', help: 'os_type of the creates' },
    osparams: {
      type: 'string',
      default: '{"img_id":"nefos-tiny","img_format":"diskdump"}',
      help: 'osparams (JSON)',
    },
    'create-extra': {
      type: 'string',
      default: '{}',
      help: 'more OpInstanceCreate parameters (JSON), e.g. {"pnode":"n1"}',
    },
  },
);

const count = num('count', args.count);
const concurrency = num('concurrency', args.concurrency);
const floorSeconds = num('floor-seconds', args['floor-seconds']);

async function privateMaster(): Promise<{ url: string; user: string; password: string }> {
  const id = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), `nefos-bench-master-${id}-`));
  chmodSync(dataDir, 0o755);
  onCleanup('master data dir', () => rmSync(dataDir, { recursive: true, force: true }));
  const [port, metrics] = [await freePort(), await freePort()];
  const nodes = Array.from(
    { length: num('test-nodes', args['test-nodes']) },
    (_, i) => `node${i + 1}=test://${join(dataDir, 'nodes', `node${i + 1}.xml`)}`,
  );
  const password = `bench-${randomUUID()}`;
  const proc = startEntry(
    'master',
    'dist/master/main.js',
    {
      NEFOS_DATA_DIR: dataDir,
      NEFOS_HYPERVISOR: 'test',
      NEFOS_NODES: nodes.join(','),
      NEFOS_RAPI_PORT: String(port),
      NEFOS_MASTER_METRICS_PORT: String(metrics),
      NEFOS_RAPI_LISTEN_HOST: '127.0.0.1',
      NEFOS_LISTEN_HOST: '127.0.0.1',
      NEFOS_RAPI_PASSWORD: password,
      NEFOS_LOG_FORMAT: 'json',
      NEFOS_LOG_LEVEL: 'warn',
    },
    (process.env.NEFOS_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
  );
  onCleanup('master', () => proc.stop());
  await waitForPort(proc, port);
  progress(BENCH, `private master (test driver, ${nodes.length} nodes) on port ${port}`);
  return { url: `https://127.0.0.1:${port}`, user: 'nefos', password };
}

function endpoint(): { url: string; user: string; password: string } | null {
  const url = args.url ?? process.env.NEFOS_BENCH_RAPI_URL;
  if (!url) return null;
  const password = args['password-file']
    ? readFileSync(args['password-file'], 'utf8').trim()
    : process.env.NEFOS_BENCH_RAPI_PASSWORD;
  if (!password) throw new Error('--url needs --password-file or NEFOS_BENCH_RAPI_PASSWORD');
  return { url, user: args.user!, password };
}

function createBody(name: string): RapiInstanceCreate {
  const diskSize = num('disk-size', args['disk-size'], 0);
  const memory = num('memory', args.memory);
  return {
    name,
    disk_template: args['disk-template']!,
    disks: diskSize > 0 ? [{ size: diskSize }] : [],
    nics: [],
    os: args.os,
    beparams: { vcpus: 1, maxmem: memory, minmem: memory },
    osparams: JSON.parse(args.osparams!) as Record<string, unknown>,
    start: true,
    name_check: false,
    ip_check: false,
    ...(JSON.parse(args['create-extra']!) as Record<string, unknown>),
  } as RapiInstanceCreate;
}

interface PhaseResult {
  op: Op;
  submitSeconds: number;
  submitLatenciesMs: number[];
  jobSeconds: number[];
  spanSeconds: number;
  failed: number;
  failures: string[];
}

/** Follows a job with /wait until it is final; its status and timestamps. */
async function follow(rapi: RapiClient, id: number): Promise<unknown[]> {
  const fields = ['status', 'received_ts', 'start_ts', 'end_ts'];
  let info: unknown[] | null = null;
  for (;;) {
    const r = await rapi.waitForJobChange(id, fields, info, null);
    if (r) info = r.job_info;
    if (info && FINAL.has(String(info[0]))) return info;
  }
}

async function phase(rapi: RapiClient, op: Op, names: string[]): Promise<PhaseResult> {
  const submitLatenciesMs: number[] = [];
  const started = process.hrtime.bigint();
  const ids = await pool(names, concurrency, async (name) => {
    const t = process.hrtime.bigint();
    const id = await submit(rapi, op, name);
    submitLatenciesMs.push(elapsedMs(t));
    return Number(id);
  });
  const submitSeconds = elapsedMs(started) / 1000;
  const infos = await pool(ids, concurrency, (id) => follow(rapi, id));
  const jobSeconds: number[] = [];
  let first = Infinity;
  let last = -Infinity;
  const failures: string[] = [];
  for (const [i, info] of infos.entries()) {
    const [status, received, , end] = info as [string, [number, number], unknown, [number, number]];
    const r = ganetiSeconds(received)!;
    const e = ganetiSeconds(end)!;
    first = Math.min(first, r);
    last = Math.max(last, e);
    jobSeconds.push(e - r);
    if (status !== 'success') failures.push(`job ${ids[i]} (${names[i]}): ${status}`);
  }
  if (failures.length) {
    const job = await rapi.getJob(Number(failures[0].split(' ')[1]));
    progress(
      BENCH,
      `${op}: ${failures.length} job(s) failed; first: ${JSON.stringify(job.opresult)}`,
    );
  }
  return {
    op,
    submitSeconds,
    submitLatenciesMs,
    jobSeconds,
    spanSeconds: last - first,
    failed: failures.length,
    failures,
  };
}

function submit(rapi: RapiClient, op: Op, name: string): Promise<unknown> {
  switch (op) {
    case 'create':
      return rapi.createInstance(createBody(name), { reason: 'nefos-bench' });
    case 'shutdown':
      return rapi.shutdownInstance(name, { reason: 'nefos-bench' });
    case 'startup':
      return rapi.startupInstance(name, { reason: 'nefos-bench' });
    case 'reboot':
      return rapi.rebootInstance(name, 'hard', { reason: 'nefos-bench' });
    case 'remove':
      return rapi.deleteInstance(name, { reason: 'nefos-bench' });
  }
}

async function main(): Promise<void> {
  const given = endpoint();
  const target = given ?? (await privateMaster());
  const rapi = new RapiClient({ ...target, timeoutMs: 60000, retries: 2, name: 'bench' });
  if ((await rapi.version()) !== 2) throw new Error(`${target.url} does not speak RAPI v2`);
  const prefix = `bench-${randomBytes(3).toString('hex')}`;
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  let removed = false;
  onCleanup('benchmark instances', async () => {
    if (removed || !given) return; // a private master goes away with its data dir
    const left = (await rapi.listInstances()).filter((i) => names.includes(i.name));
    progress(BENCH, `removing ${left.length} instance(s) left by the run`);
    await pool(left, concurrency, async (i) =>
      follow(rapi, Number(await rapi.deleteInstance(i.name))),
    );
  });

  progress(BENCH, `floor: GET /version with ${concurrency} connections for ${floorSeconds} s`);
  const floor = await closedLoop(concurrency, floorSeconds * 1000, async () => {
    await rapi.version();
  });
  const floorRate = floor.latencies.length / floor.seconds;
  const floorP50 = percentile(floor.latencies, 50)!;
  const figures: Figure[] = [
    {
      figure: 'version.req_per_s',
      value: floorRate,
      unit: 'req/s',
      note: 'the floor: raw HTTPS round trips of GET /version, same client and connections',
    },
    { figure: 'version.p50', value: floorP50, unit: 'ms' },
  ];

  for (const op of OPS) {
    progress(BENCH, `${op}: ${count} jobs, ${concurrency} submitters`);
    const r = await phase(rapi, op, names);
    if (op === 'remove') removed = true;
    const p50 = percentile(r.jobSeconds, 50);
    figures.push(
      {
        figure: `${op}.submit_rate`,
        value: count / r.submitSeconds,
        unit: 'req/s',
        floor: floorRate,
        floorName: 'GET /version req/s',
      },
      {
        figure: `${op}.submit_p50`,
        value: percentile(r.submitLatenciesMs, 50),
        unit: 'ms',
        floor: floorP50,
        floorName: 'GET /version p50',
      },
      {
        figure: `${op}.jobs_per_s`,
        value: count / r.spanSeconds,
        unit: 'jobs/s',
        floor: floorRate,
        floorName: 'GET /version req/s',
        note: 'N / (last end_ts - first received_ts)',
      },
      {
        figure: `${op}.job_p50`,
        value: p50 === null ? null : p50 * 1000,
        unit: 'ms',
        floor: floorP50,
        floorName: 'GET /version p50',
      },
      {
        figure: `${op}.job_p95`,
        value: (percentile(r.jobSeconds, 95) ?? NaN) * 1000,
        unit: 'ms',
        floor: floorP50,
        floorName: 'GET /version p50',
      },
      { figure: `${op}.failed`, value: r.failed, unit: 'jobs' },
    );
  }
  report(
    BENCH,
    `Master throughput through RAPI (${given ? target.url : 'private master, test driver'})`,
    figures,
    {
      count,
      concurrency,
      endpoint: given ? target.url : 'private',
      floorSeconds,
    },
  );
}

runBench(BENCH, main);
