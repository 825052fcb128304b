import { spawn } from 'node:child_process';
import { createAndDelete } from './support/burst';
import { cli, num } from './support/cli';
import { onCleanup, runBench } from './support/lifecycle';
import { rss } from './support/processes';
import { progress, report, type Figure } from './support/report';
import { benchProject, startStack, type BenchStack, type NefosProcess } from './support/stack';
import { sleep } from './support/stats';

const BENCH = 'memory';
const MiB = 1024 * 1024;

const args = cli(
  'npm run bench:memory -- [options]\n\nResident memory of each Nefos process idle, after N servers were created through the API\n(all ACTIVE), and after they were deleted, against an idle Node.js process.',
  {
    servers: { type: 'string', default: '1000', help: 'N: servers in the burst' },
    concurrency: { type: 'string', default: '16', help: 'requests in flight' },
    'test-nodes': { type: 'string', default: '8', help: 'simulated nodes of the master' },
    settle: {
      type: 'string',
      default: '5',
      help: 'seconds to let the processes settle before a reading',
    },
    timeout: { type: 'string', default: '1800', help: 'seconds each phase may take' },
  },
);

const PROCESSES: NefosProcess[] = ['master', 'eventd', 'dispatcher', 'api', 'console'];

/** RSS of each process now; each reading also goes to stderr at once (a burst takes long). */
function read(stack: BenchStack, when: string): Record<string, { rss: number; peak: number }> {
  const out: Record<string, { rss: number; peak: number }> = {};
  for (const name of PROCESSES) {
    const r = rss(stack.procs.get(name)!.pid);
    if (!r) throw new Error(`${name} is gone`);
    out[name] = r;
  }
  const mib = Object.entries(out).map(([n, r]) => `${n} ${(r.rss / MiB).toFixed(1)}`);
  progress(BENCH, `RSS ${when} (MiB): ${mib.join(', ')}`);
  return out;
}

/** The floor: a Node.js process of the same version doing nothing. */
async function idleNode(settleMs: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  onCleanup('idle node', () => {
    child.kill();
  });
  await sleep(settleMs);
  const r = rss(child.pid!);
  child.kill();
  return r!.rss;
}

async function main(): Promise<void> {
  const count = num('servers', args.servers);
  const settleMs = num('settle', args.settle, 0) * 1000;
  const stack = await startStack(BENCH, {
    processes: PROCESSES,
    testNodes: num('test-nodes', args['test-nodes']),
  });
  const project = await benchProject(stack.prisma, 'bench-memory');
  const floor = await idleNode(settleMs);
  await sleep(settleMs);
  const idle = read(stack, 'idle');
  let loaded: ReturnType<typeof read> = idle;
  await createAndDelete(
    BENCH,
    stack,
    project,
    {
      count,
      concurrency: num('concurrency', args.concurrency),
      timeoutMs: num('timeout', args.timeout) * 1000,
    },
    async () => {
      await sleep(settleMs);
      loaded = read(stack, `with ${count} servers ACTIVE`);
    },
  );
  await sleep(settleMs);
  const after = read(stack, 'after the deletes');
  const floorMiB = floor / MiB;
  const figures: Figure[] = PROCESSES.flatMap((name) => [
    {
      figure: `${name}.idle_rss`,
      value: idle[name].rss / MiB,
      unit: 'MiB',
      floor: floorMiB,
      floorName: 'idle node',
    },
    {
      figure: `${name}.burst_rss`,
      value: loaded[name].rss / MiB,
      unit: 'MiB',
      floor: floorMiB,
      floorName: 'idle node',
    },
    {
      figure: `${name}.after_delete_rss`,
      value: after[name].rss / MiB,
      unit: 'MiB',
      floor: floorMiB,
      floorName: 'idle node',
    },
    {
      figure: `${name}.peak_rss`,
      value: after[name].peak / MiB,
      unit: 'MiB',
      floor: floorMiB,
      floorName: 'idle node',
    },
  ]);
  figures.push({
    figure: 'total.burst_rss',
    value: PROCESSES.reduce((s, n) => s + loaded[n].rss, 0) / MiB,
    unit: 'MiB',
    note: `the ${PROCESSES.length} processes together with ${count} servers ACTIVE`,
  });
  report(BENCH, `Memory (RSS) of each process, idle and after ${count} servers`, figures, {
    servers: count,
    settleSeconds: settleMs / 1000,
  });
}

runBench(BENCH, main);
