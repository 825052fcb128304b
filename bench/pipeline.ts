import { createAndDelete, type PhaseFigures } from './support/burst';
import { cli, num } from './support/cli';
import { runBench } from './support/lifecycle';
import { report, type Figure } from './support/report';
import { benchProject, startStack } from './support/stack';
import { mean, percentile } from './support/stats';

const BENCH = 'pipeline';

const args = cli(
  "npm run bench:pipeline -- [options]\n\nN creates through the compute API until every server is ACTIVE, then N deletes until every one\nis gone, on a private stack (master on libvirt's test driver, eventd, dispatcher, API).",
  {
    servers: { type: 'string', default: '1000', help: 'N: servers created and deleted' },
    concurrency: { type: 'string', default: '16', help: 'requests in flight' },
    'test-nodes': { type: 'string', default: '8', help: 'simulated nodes of the master' },
    timeout: { type: 'string', default: '1800', help: 'seconds each phase may take' },
  },
);

function phaseFigures(name: string, f: PhaseFigures, answer: string): Figure[] {
  return [
    {
      figure: `${name}.servers_per_s`,
      value: f.perSecond,
      unit: 'servers/s',
      floor: f.masterPerSecond,
      floorName: 'master alone, same jobs',
    },
    { figure: `${name}.seconds`, value: f.seconds, unit: 's' },
    { figure: `${name}.retried_503`, value: f.retried503, unit: 'requests' },
    { figure: `${name}.api_${answer}_p50`, value: percentile(f.answerMs, 50), unit: 'ms' },
    { figure: `${name}.api_${answer}_p99`, value: percentile(f.answerMs, 99), unit: 'ms' },
    {
      figure: `${name}.api_${answer}_mean`,
      value: mean(f.answerMs),
      unit: 'ms',
      floor: f.rapiMeanMs,
      floorName: "the API's RAPI call (mean)",
    },
    {
      figure: `${name}.event_to_db_p50`,
      value: percentile(f.eventToDbMs, 50),
      unit: 'ms',
      note: `every op message (${f.eventToDbMs.length}): backend timestamp -> trail row`,
    },
    { figure: `${name}.event_to_db_p99`, value: percentile(f.eventToDbMs, 99), unit: 'ms' },
    {
      figure: `${name}.success_to_db_p50`,
      value: percentile(f.successToDbMs, 50),
      unit: 'ms',
      note: 'the success message, which changes the state',
    },
    { figure: `${name}.success_to_db_p99`, value: percentile(f.successToDbMs, 99), unit: 'ms' },
    ...Object.entries(f.cpu).map(([proc, seconds]) => ({
      figure: `${name}.cpu.${proc}`,
      value: seconds,
      unit: 'cpu-s',
    })),
  ];
}

async function main(): Promise<void> {
  const count = num('servers', args.servers);
  const concurrency = num('concurrency', args.concurrency);
  const testNodes = num('test-nodes', args['test-nodes']);
  const stack = await startStack(BENCH, {
    processes: ['master', 'eventd', 'dispatcher', 'api'],
    testNodes,
  });
  const project = await benchProject(stack.prisma, 'bench-pipeline');
  const params = { servers: count, concurrency, testNodes };
  const { remove } = await createAndDelete(
    BENCH,
    stack,
    project,
    { count, concurrency, timeoutMs: num('timeout', args.timeout) * 1000 },
    async (create) => {
      report(
        BENCH,
        `End-to-end pipeline: ${count} creates until ACTIVE (test driver)`,
        phaseFigures('create', create, '202'),
        params,
      );
    },
  );
  report(
    BENCH,
    `End-to-end pipeline: ${count} deletes until gone (test driver)`,
    phaseFigures('delete', remove, '204'),
    params,
  );
}

runBench(BENCH, main);
