import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RapiClient, projectRoot } from '@nefos/contracts';
import { detectVirtType } from '../master/virt/virt-type';
import { ensureLibvirtd } from '../stack/services/libvirt.process';
import { cli, num } from './support/cli';
import { onCleanup, runBench } from './support/lifecycle';
import { progress, report, type Figure } from './support/report';
import { benchProject, computeCall, startStack, type BenchStack } from './support/stack';
import { elapsedMs, ganetiSeconds, median, sleep } from './support/stats';

const BENCH = 'guest';
const run = promisify(execFile);

type LibvirtModule = typeof import('@unraid/libvirt/dist/index.js');
type Hypervisor = InstanceType<LibvirtModule['Hypervisor']>;
// ESM-only: a real dynamic import (swc keeps it); the name in a constant keeps tsc's CommonJS
// resolution away from it.
const LIBVIRT_PACKAGE = '@unraid/libvirt';

const args = cli(
  'npm run bench:guest -- [options]\n\nA real QEMU guest of the seeded image (m1.tiny, nefos-tiny): POST /servers until the API shows it\nACTIVE, against libvirt defining and starting the same domain XML itself. Needs libvirt and QEMU.',
  {
    runs: { type: 'string', default: '5', help: 'guests, one after another' },
    'image-cache': {
      type: 'string',
      default: join(projectRoot(), '.run', 'bench-cache', 'images'),
      help: 'image store kept between runs (nefos-tiny is built there once)',
    },
  },
);

const virsh = (...a: string[]): Promise<{ stdout: string }> =>
  run('virsh', ['-c', 'qemu:///system', ...a], { timeout: 60000 });

/** The seeded image, built once from Debian packages into the cache (not timed). */
function ensureImage(dir: string): void {
  const entry = join(dir, 'nefos-tiny');
  if (existsSync(join(entry, 'vmlinuz')) && !existsSync(join(entry, 'PLACEHOLDER'))) return;
  progress(BENCH, `building nefos-tiny into ${entry} (once)`);
  mkdirSync(dir, { recursive: true });
  rmSync(entry, { recursive: true, force: true });
  execFileSync('bash', [join(projectRoot(), 'master', 'image', 'build-image.sh'), entry], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

interface NefosRun {
  id: string;
  answerMs: number;
  toActiveMs: number;
  jobMs: number | null;
}

async function nefosCreate(
  stack: BenchStack,
  token: string,
  flavorRef: string,
  imageRef: string,
  rapi: RapiClient,
  i: number,
): Promise<NefosRun> {
  const t0 = Date.now();
  const t = process.hrtime.bigint();
  const r = await computeCall<{ server: { id: string } }>(stack.apiUrl, token, 'POST', '/servers', {
    server: { name: `guest-${i}`, flavorRef, imageRef },
  });
  const answerMs = elapsedMs(t);
  if (r.status !== 202) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
  const id = r.body.server.id;
  const deadline = Date.now() + 300000;
  for (;;) {
    const s = await stack.prisma.server.findUniqueOrThrow({ where: { id } });
    if (s.operstate === 'ERROR') throw new Error(`server ${id} failed: ${s.faultMessage}`);
    if (s.operstate === 'STARTED' && s.task === null) break;
    if (Date.now() > deadline) throw new Error(`server ${id} is not ACTIVE after 300 s`);
    await sleep(20);
  }
  const shown = await computeCall<{ server: { status: string } }>(
    stack.apiUrl,
    token,
    'GET',
    `/servers/${id}`,
  );
  if (shown.body.server.status !== 'ACTIVE')
    throw new Error(`the API shows ${shown.body.server.status}`);
  const [state] = await stack.prisma.serverTrail.findMany({
    where: { serverId: id, source: 'state' },
    orderBy: { id: 'desc' },
    take: 1,
  });
  const server = await stack.prisma.server.findUniqueOrThrow({ where: { id } });
  let jobMs: number | null = null;
  if (server.backendJobId) {
    const job = await rapi.getJob(server.backendJobId);
    jobMs =
      (ganetiSeconds(job.end_ts as [number, number])! -
        ganetiSeconds(job.received_ts as [number, number])!) *
      1000;
  }
  return { id, answerMs, toActiveMs: state.at.getTime() - t0, jobMs };
}

/** The domain as the master defined it, renamed and pointed at copies of its files. */
async function rawXml(
  stack: BenchStack,
  instance: string,
  copyDir: string,
  rawName: string,
): Promise<string> {
  const { stdout } = await virsh('dumpxml', '--inactive', instance);
  const node = (await stack.prisma.server.findFirstOrThrow({ where: { instanceName: instance } }))
    .hostNode!;
  const dir = join(stack.config.master.storageDir, node, instance);
  cpSync(dir, copyDir, { recursive: true });
  return stdout
    .replace(/<name>[^<]*<\/name>/, `<name>${rawName}</name>`)
    .replace(/<uuid>[^<]*<\/uuid>/, '')
    .split(dir)
    .join(copyDir)
    .replace(/<target dev='[^']*' managed='yes'\/>/g, '');
}

async function rawDefineStart(hv: Hypervisor, xml: string): Promise<number> {
  const t = process.hrtime.bigint();
  const dom = await hv.domainDefineXML(xml);
  await hv.domainCreate(dom);
  return elapsedMs(t);
}

async function removeRaw(hv: Hypervisor, name: string): Promise<void> {
  try {
    const dom = await hv.domainLookupByName(name);
    await hv.domainDestroy(dom).catch(() => undefined);
    await hv.domainUndefine(dom);
  } catch {
    // not defined
  }
}

async function deleteServer(stack: BenchStack, token: string, id: string): Promise<void> {
  const r = await computeCall(stack.apiUrl, token, 'DELETE', `/servers/${id}`);
  if (r.status !== 204 && r.status !== 404) throw new Error(`delete ${id}: ${r.status}`);
  const deadline = Date.now() + 180000;
  while (!(await stack.prisma.server.findUniqueOrThrow({ where: { id } })).deleted) {
    if (Date.now() > deadline) throw new Error(`server ${id} is not deleted after 180 s`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const runs = num('runs', args.runs);
  const stopLibvirt = await ensureLibvirtd((m) => progress(BENCH, m));
  if (stopLibvirt) onCleanup('libvirtd (started by the benchmark)', stopLibvirt);
  const imageDir = args['image-cache']!;
  ensureImage(imageDir);
  const stack = await startStack(BENCH, {
    processes: ['master', 'eventd', 'dispatcher', 'api'],
    hypervisor: 'qemu',
    env: { NEFOS_IMAGE_DIR: imageDir },
  });
  const project = await benchProject(stack.prisma, 'bench-guest');
  const image = await stack.prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
  const rapi = new RapiClient({
    url: `https://127.0.0.1:${stack.config.rapi.port}`,
    user: stack.config.rapi.user,
    password: stack.env.NEFOS_RAPI_PASSWORD,
    timeoutMs: 60000,
    retries: 2,
  });
  const { Hypervisor } = (await import(LIBVIRT_PACKAGE)) as LibvirtModule;
  const hv = new Hypervisor({ uri: 'qemu:///system' });
  await hv.connectOpen();
  onCleanup('libvirt connection', () => hv.connectClose());
  const work = mkdtempSync(join(tmpdir(), `nefos-bench-guest-${stack.db.runId}-`));
  onCleanup('guest copies', () => rmSync(work, { recursive: true, force: true }));
  const live = new Set<string>();
  const rawNames: string[] = [];
  onCleanup('guests', async () => {
    for (const name of rawNames) await removeRaw(hv, name);
    for (const id of live) {
      await deleteServer(stack, project.token, id).catch(() => undefined);
      await removeRaw(hv, `${stack.config.compute.instancePrefix}${id}`);
    }
  });

  const nefos: NefosRun[] = [];
  const raw: number[] = [];
  for (let i = 1; i <= runs; i++) {
    progress(BENCH, `run ${i}/${runs}: POST /servers until ACTIVE`);
    const n = await nefosCreate(stack, project.token, '1', image.id, rapi, i);
    live.add(n.id);
    nefos.push(n);
    const rawName = `nefos-bench-raw-${stack.db.runId}-${i}`;
    const copyDir = join(work, `run-${i}`);
    const xml = await rawXml(
      stack,
      `${stack.config.compute.instancePrefix}${n.id}`,
      copyDir,
      rawName,
    );
    await deleteServer(stack, project.token, n.id);
    live.delete(n.id);
    progress(BENCH, `run ${i}/${runs}: libvirt define + start of the same domain`);
    rawNames.push(rawName);
    raw.push(await rawDefineStart(hv, xml));
    await sleep(1000);
    await removeRaw(hv, rawName);
    rmSync(copyDir, { recursive: true, force: true });
  }

  const floor = median(raw)!;
  const perRun = (xs: number[]): string => xs.map((x) => Math.round(x)).join(', ');
  const figures: Figure[] = [
    {
      figure: 'libvirt.define_start_median',
      value: floor,
      unit: 'ms',
      note: `the floor; runs: ${perRun(raw)}`,
    },
    {
      figure: 'nefos.post_to_active_median',
      value: median(nefos.map((r) => r.toActiveMs)),
      unit: 'ms',
      floor,
      floorName: 'libvirt define+start',
      note: `runs: ${perRun(nefos.map((r) => r.toActiveMs))}`,
    },
    {
      figure: 'nefos.post_to_active_max',
      value: Math.max(...nefos.map((r) => r.toActiveMs)),
      unit: 'ms',
      floor,
      floorName: 'libvirt define+start',
    },
    { figure: 'nefos.api_202_median', value: median(nefos.map((r) => r.answerMs)), unit: 'ms' },
    {
      figure: 'nefos.master_job_median',
      value: median(nefos.flatMap((r) => (r.jobMs === null ? [] : [r.jobMs]))),
      unit: 'ms',
      floor,
      floorName: 'libvirt define+start',
      note: 'received_ts to end_ts of the create job',
    },
  ];
  report(
    BENCH,
    `Real guest (qemu:///system, domain type ${stack.config.master.virtType ?? detectVirtType()}): POST -> ACTIVE vs libvirt define+start`,
    figures,
    { runs, flavor: 'm1.tiny', image: 'nefos-tiny' },
  );
}

runBench(BENCH, main);
