import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateOpaqueToken,
  hashToken,
  loadConfig,
  projectRoot,
  type NefosConfig,
} from '@nefos/contracts';
import { createPrismaClient, DEFAULT_DOMAIN_ID, seed, type PrismaClient } from '@nefos/database';
import { installHooks } from '../../hooks/hooks.installer';
import { onCleanup } from './lifecycle';
import { freePort, startEntry, waitForPort, type BenchProcess } from './processes';
import { progress } from './report';
import { benchDatabase, type BenchDatabase } from './services';

export type NefosProcess = 'master' | 'eventd' | 'dispatcher' | 'api' | 'console';

const ENTRY: Record<NefosProcess, string> = {
  master: 'dist/master/main.js',
  eventd: 'dist/eventd/main.js',
  dispatcher: 'dist/dispatcher/main.js',
  api: 'dist/src/main.js',
  console: 'dist/console/main.js',
};

export interface StackOptions {
  /** Processes to start, in this order. */
  processes: NefosProcess[];
  hypervisor?: 'test' | 'qemu';
  /** With the test driver: this many simulated nodes (each 16 CPUs, 32 GiB). */
  testNodes?: number;
  env?: Record<string, string>;
}

export interface BenchStack {
  db: BenchDatabase;
  env: Record<string, string>;
  config: NefosConfig;
  dataDir: string;
  prisma: PrismaClient;
  procs: Map<NefosProcess, BenchProcess>;
  apiUrl: string;
  /** The port each process listens on (its metrics port for the daemons). */
  ports: Record<NefosProcess, number>;
}

/**
 * A private Nefos for one benchmark: its own database, Redis prefix, data dir and ports, the
 * first-run seed and the event hooks, then the chosen processes. Everything goes away when the
 * benchmark ends.
 */
export async function startStack(bench: string, opts: StackOptions): Promise<BenchStack> {
  const db = await benchDatabase(bench);
  const dataDir = mkdtempSync(join(tmpdir(), `nefos-bench-${db.runId}-`));
  chmodSync(dataDir, 0o755);
  onCleanup('data dir', () => rmSync(dataDir, { recursive: true, force: true }));
  const p = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const hypervisor = opts.hypervisor ?? 'test';
  const nodes =
    hypervisor === 'test' && (opts.testNodes ?? 1) > 1
      ? Array.from(
          { length: opts.testNodes! },
          (_, i) => `node${i + 1}=test://${join(dataDir, 'nodes', `node${i + 1}.xml`)}`,
        ).join(',')
      : undefined;
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: db.redisUrl,
    NEFOS_REDIS_PREFIX: db.redisPrefix,
    NEFOS_DATA_DIR: dataDir,
    NEFOS_HYPERVISOR: hypervisor,
    NEFOS_API_PORT: String(p[0]),
    NEFOS_RAPI_PORT: String(p[1]),
    NEFOS_CONSOLE_PORT: String(p[2]),
    NEFOS_MASTER_METRICS_PORT: String(p[3]),
    NEFOS_EVENTD_METRICS_PORT: String(p[4]),
    NEFOS_DISPATCHER_METRICS_PORT: String(p[5]),
    NEFOS_LISTEN_HOST: '127.0.0.1',
    NEFOS_RAPI_LISTEN_HOST: '127.0.0.1',
    NEFOS_LOG_FORMAT: 'json',
    NEFOS_LOG_LEVEL: 'warn',
    NEFOS_RAPI_PASSWORD: `bench-${randomUUID()}`,
    NEFOS_ADMIN_PASSWORD: `bench-${randomUUID()}`,
    // Periodic work would land in the middle of the measurements.
    NEFOS_RECONCILE_INTERVAL: '0',
    NEFOS_HEARTBEAT_INTERVAL: '0',
    ...(nodes ? { NEFOS_NODES: nodes } : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const prisma = createPrismaClient(db.url, 4);
  onCleanup('database client', () => prisma.$disconnect());
  await seed(prisma, config, {
    adminPassword: env.NEFOS_ADMIN_PASSWORD,
    rapiPassword: env.NEFOS_RAPI_PASSWORD,
    backendHypervisor: hypervisor === 'test' ? 'fake' : (config.master.virtType ?? 'qemu'),
  });
  installHooks(
    config.master.hooksDir,
    { redisUrl: db.redisUrl, redisPrefix: db.redisPrefix, cluster: config.master.clusterName },
    { node: process.execPath, entry: join(projectRoot(), 'dist/hooks/main.js') },
  );
  const ports: Record<NefosProcess, number> = {
    master: config.rapi.port,
    eventd: config.eventd.metricsPort,
    dispatcher: config.dispatcher.metricsPort,
    api: config.api.port,
    console: config.console.port,
  };
  const procs = new Map<NefosProcess, BenchProcess>();
  onCleanup('Nefos processes', async () => {
    for (const name of [...procs.keys()].reverse()) await procs.get(name)!.stop();
  });
  for (const name of opts.processes) {
    // e.g. NEFOS_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' shows where the time goes
    const nodeArgs = (process.env.NEFOS_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const proc = startEntry(name, ENTRY[name], env, nodeArgs);
    procs.set(name, proc);
    await waitForPort(proc, ports[name]);
    progress(bench, `${name} is up (pid ${proc.pid})`);
  }
  return {
    db,
    env,
    config,
    dataDir,
    prisma,
    procs,
    apiUrl: config.api.publicUrl,
    ports,
  };
}

export interface BenchProject {
  projectId: string;
  userId: string;
  token: string;
}

/**
 * A project with one member and a token (stored as the token API stores it: its SHA-256), with
 * every compute quota unlimited, as an operator raises them for a load run.
 */
export async function benchProject(prisma: PrismaClient, name: string): Promise<BenchProject> {
  const hex32 = (): string => randomUUID().replace(/-/g, '');
  const project = await prisma.project.create({
    data: { id: hex32(), name, domainId: DEFAULT_DOMAIN_ID },
  });
  const user = await prisma.user.create({
    data: {
      id: hex32(),
      name: `${name}-user`,
      domainId: DEFAULT_DOMAIN_ID,
      passwordHash: 'scrypt$invalid',
      defaultProjectId: project.id,
    },
  });
  const member = await prisma.role.findUniqueOrThrow({ where: { name: 'member' } });
  await prisma.roleAssignment.create({
    data: { userId: user.id, projectId: project.id, roleId: member.id },
  });
  const token = generateOpaqueToken();
  await prisma.token.create({
    data: {
      hash: hashToken(token),
      userId: user.id,
      projectId: project.id,
      methods: ['password'],
      auditId: generateOpaqueToken().slice(0, 22),
      expiresAt: new Date(Date.now() + 24 * 3600 * 1000),
    },
  });
  await prisma.quota.createMany({
    data: ['instances', 'cores', 'ram', 'disk'].map((resource) => ({
      projectId: project.id,
      resource,
      limit: -1,
    })),
  });
  return { projectId: project.id, userId: user.id, token };
}

/** A compute API call with a token; JSON in and out. */
export async function computeCall<T = Record<string, unknown>>(
  apiUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${apiUrl}/compute/v2.1${path}`, {
    method,
    headers: {
      'X-Auth-Token': token,
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}
