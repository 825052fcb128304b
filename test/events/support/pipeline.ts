import { join } from 'node:path';
import { installHooks } from '../../../hooks/hooks.installer';
import { RoundRobinBalancer } from '../../../stack/balancer/round-robin.balancer';
import { planStack, type PlannedChild } from '../../../stack/replicas.plan';
import { portAnswers } from '../../../stack/services/process-utils';
import { seed, type PrismaClient } from '../../../libs/database/src';
import { createTestIdentity, testPrisma, type TestIdentity } from '../../support/identity-fixtures';
import { ROOT, startProcess, type RunningProcess } from '../../support/processes';
import { createTestEnv, type TestEnv } from '../../support/test-env';
import { eventually } from './queues';

export type Daemon = 'master' | 'eventd' | 'dispatcher' | 'api';

const ENTRY: Record<Daemon, string> = {
  master: 'dist/master/main.js',
  eventd: 'dist/eventd/main.js',
  dispatcher: 'dist/dispatcher/main.js',
  api: 'dist/src/main.js',
};

export interface Pipeline {
  env: TestEnv;
  prisma: PrismaClient;
  identity: TestIdentity;
  /** The running processes of each daemon (several APIs and dispatchers when scaled out). */
  procs: Partial<Record<Daemon, RunningProcess[]>>;
  start(d: Daemon): Promise<void>;
  stop(d: Daemon, signal?: NodeJS.Signals): Promise<void>;
  /** A compute API call as the test user; JSON in and out. */
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T; headers: Headers }>;
  /** Output of every process so far (for failure messages). */
  logs(): string;
  close(): Promise<void>;
}

/**
 * The whole event pipeline as separate processes on one isolated test env: the cluster master
 * (libvirt's test driver), eventd, the dispatcher and the API, with the seed (backend, flavors,
 * image, public network), the hooks installed, and a project with unlimited quota.
 * With NEFOS_TEST_API_REPLICAS / NEFOS_TEST_DISPATCHER_REPLICAS (see createTestEnv) it runs that
 * many APIs behind the stack's round-robin balancer and that many dispatchers, as `npm start` does.
 */
export async function startPipeline(extra: Record<string, string> = {}): Promise<Pipeline> {
  const env = await createTestEnv({
    NEFOS_HYPERVISOR: 'test',
    NEFOS_WATCH_INTERVAL: '2',
    NEFOS_RECONCILE_INTERVAL: '0',
    NEFOS_HEARTBEAT_INTERVAL: '0',
    NEFOS_LOG_LEVEL: 'warn',
    ...extra,
  });
  const prisma = testPrisma(env.databaseUrl);
  await seed(prisma, env.config, {
    adminPassword: env.env.NEFOS_ADMIN_PASSWORD,
    rapiPassword: env.env.NEFOS_RAPI_PASSWORD,
    backendHypervisor: 'fake',
  });
  installHooks(
    env.config.master.hooksDir,
    {
      redisUrl: env.redisUrl,
      redisPrefix: env.redisPrefix,
      cluster: env.config.master.clusterName,
    },
    { node: process.execPath, entry: join(ROOT, 'dist/hooks/main.js') },
  );
  // Small enough that a hundred fit on the test driver's one node.
  await prisma.flavor.create({
    data: { id: 'e2e-nano', name: 'e2e.nano', vcpus: 1, ramMb: 64, diskGb: 1 },
  });
  const identity = await createTestIdentity(prisma, { roles: ['member'] });
  await prisma.quota.createMany({
    data: ['instances', 'cores', 'ram', 'disk'].map((resource) => ({
      projectId: identity.projectId,
      resource,
      limit: -1,
    })),
  });
  const procs: Pipeline['procs'] = {};
  const outputs: string[] = [];
  const plan = await planStack(
    env.config,
    (['master', 'eventd', 'dispatcher', 'api'] as Daemon[]).map((d) => ({
      name: d,
      entry: ENTRY[d],
    })),
  );
  const replicas = (d: Daemon): PlannedChild[] =>
    plan.children.filter((c) => c.name === d || c.name.startsWith(`${d}-`));
  let balancer: RoundRobinBalancer | null = null;
  if (plan.apiUpstreams.length > 0) {
    balancer = new RoundRobinBalancer(plan.apiUpstreams);
    await balancer.listen(env.config.api.port, '127.0.0.1');
  }
  const p: Pipeline = {
    env,
    prisma,
    identity,
    procs,
    async start(d) {
      const started = replicas(d).map((c) => ({
        c,
        proc: startProcess(c.entry, { ...env.env, ...c.env }),
      }));
      procs[d] = started.map((s) => s.proc);
      await Promise.all(
        started.map(({ c, proc }) =>
          eventually(
            `${c.name} listening on ${c.ports[0].port}`,
            async () => {
              if (proc.child.exitCode !== null)
                throw new Error(`${c.name} exited:\n${proc.output()}`);
              return portAnswers(c.ports[0].port);
            },
            180_000,
            200,
          ),
        ),
      );
    },
    async stop(d, signal = 'SIGTERM') {
      const running = procs[d];
      if (!running) return;
      await Promise.all(running.map((proc) => proc.stop(signal)));
      running.forEach((proc, i) =>
        outputs.push(`--- ${replicas(d)[i].name} (${signal}) ---\n${proc.output()}`),
      );
      delete procs[d];
    },
    async api(method, path, body) {
      const res = await fetch(`http://127.0.0.1:${env.config.api.port}/compute/v2.1${path}`, {
        method,
        headers: {
          'X-Auth-Token': identity.token,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const requestId = res.headers.get('x-openstack-request-id');
      if (res.status >= 500 && requestId) {
        // An unexpected error is explained only in the API's log: show its lines with the test.
        const lines = (procs.api ?? [])
          .flatMap((proc) => proc.output().split('\n'))
          .filter((l) => l.includes(requestId));
        process.stderr.write(`${method} ${path}: ${res.status} ${text}\n${lines.join('\n')}\n`);
      }
      return {
        status: res.status,
        body: (text ? JSON.parse(text) : {}) as never,
        headers: res.headers,
      };
    },
    logs() {
      return [
        ...outputs,
        ...Object.entries(procs).flatMap(([d, running]) =>
          running!.map((proc, i) => `--- ${replicas(d as Daemon)[i].name} ---\n${proc.output()}`),
        ),
      ]
        .join('\n')
        .slice(-20000);
    },
    async close() {
      for (const d of ['api', 'dispatcher', 'eventd', 'master'] as Daemon[]) await p.stop(d);
      await balancer?.close();
      await prisma.$disconnect();
      await env.cleanup();
    },
  };
  for (const d of ['master', 'eventd', 'dispatcher', 'api'] as Daemon[]) await p.start(d);
  return p;
}

/** Mean of a Prometheus histogram (`_sum / _count`) on a daemon's /metrics, in seconds. */
export async function histogramMean(port: number, name: string): Promise<number | null> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const pick = (suffix: string): number =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}_${suffix}`))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  const count = pick('count');
  return count ? pick('sum') / count : null;
}
