import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createPrismaClient, migrate, seed } from '@nefos/database';
import { projectRoot, type NefosConfig, type HypervisorKind } from '@nefos/contracts';
import { installHooks } from '../hooks/hooks.installer';
import { RoundRobinBalancer } from './balancer/round-robin.balancer';
import { ChildrenSupervisor, type ChildSpec } from './children.supervisor';
import { planStack } from './replicas.plan';
import { SecretsStore } from './secrets.store';
import { waitForPostgres, waitForRedis } from './services/external.check';
import { ensureLibvirtd, qemuInstalled } from './services/libvirt.process';
import { startPrivatePostgres } from './services/postgres.process';
import { startPrivateRedis } from './services/redis.process';
import { assertPortFree, portAnswers, waitFor } from './services/process-utils';

export const STACK_CHILDREN: ChildSpec[] = [
  { name: 'master', entry: 'dist/master/main.js' },
  { name: 'eventd', entry: 'dist/eventd/main.js' },
  { name: 'dispatcher', entry: 'dist/dispatcher/main.js' },
  { name: 'api', entry: 'dist/src/main.js' },
  { name: 'console', entry: 'dist/console/main.js' },
];

export interface StackHandle {
  stop(): Promise<void>;
}

/** `npm start`: services, migrations, seed, every Nefos process; stops what it started. */
export async function launchStack(
  config: NefosConfig,
  log: (msg: string) => void,
  onFatal: (why: string) => void,
): Promise<StackHandle> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  };
  try {
    mkdirSync(config.dataDir, { recursive: true });
    const secrets = new SecretsStore(config.dataDir);

    // 1. Postgres and Redis: the configured ones, or private ones under the data dir.
    let databaseUrl = process.env.DATABASE_URL;
    let redisUrl = process.env.REDIS_URL;
    if (databaseUrl) {
      log('waiting for DATABASE_URL');
      await waitForPostgres(databaseUrl, config.serviceWaitMs);
    } else {
      const pg = await startPrivatePostgres(
        join(config.dataDir, 'postgres'),
        config.database.privatePort,
        secrets.get('postgresPassword'),
        log,
      );
      if (!secrets.get('postgresPassword')) secrets.set('postgresPassword', pg.password);
      cleanups.push(() => pg.stop());
      databaseUrl = pg.url;
    }
    if (redisUrl) {
      log('waiting for REDIS_URL');
      await waitForRedis(redisUrl, config.serviceWaitMs);
    } else {
      const redis = await startPrivateRedis(
        join(config.dataDir, 'redis'),
        config.redis.privatePort,
        secrets.resolve('redisPassword', undefined),
        log,
      );
      cleanups.push(() => redis.stop());
      redisUrl = redis.url;
    }
    const servicesFile = join(config.dataDir, 'services.json');
    writeFileSync(servicesFile, JSON.stringify({ databaseUrl, redisUrl }, null, 2) + '\n', {
      mode: 0o600,
    });
    cleanups.push(() => rmSync(servicesFile, { force: true }));

    // 2. Hypervisor: real QEMU guests when libvirt and QEMU are here, else libvirt's test driver.
    const hypervisor = await chooseHypervisor(config, log, cleanups);

    // 3. Schema and first-run data.
    const applied = await migrate(databaseUrl);
    if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
    const adminPassword = secrets.resolve('adminPassword', config.identity.adminPassword);
    const rapiPassword = secrets.resolve('rapiPassword', config.rapi.password);
    const prisma = createPrismaClient(databaseUrl, 2);
    try {
      const result = await seed(prisma, config, {
        adminPassword,
        rapiPassword,
        backendHypervisor: hypervisor === 'test' ? 'fake' : (config.master.virtType ?? 'qemu'),
      });
      if (result.firstRun)
        log('first run: seeded the admin account, flavors, image, backend and public network');
    } finally {
      await prisma.$disconnect();
    }

    // 3b. The master's post hooks report NICs, firewall profiles and build progress to Redis.
    const hookEntry = join(projectRoot(), 'dist', 'hooks', 'main.js');
    if (existsSync(hookEntry)) {
      installHooks(
        config.master.hooksDir,
        { redisUrl, redisPrefix: config.redis.prefix, cluster: config.master.clusterName },
        { node: process.execPath, entry: hookEntry },
      );
    }

    // 4. The Nefos processes (NEFOS_API_REPLICAS APIs behind a balancer, several dispatchers).
    const root = projectRoot();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      NEFOS_DATA_DIR: config.dataDir,
      NEFOS_RAPI_PASSWORD: rapiPassword,
      NEFOS_HYPERVISOR: hypervisor,
    };
    const supervisor = new ChildrenSupervisor(root, env, log, (name) =>
      onFatal(`${name} could not be kept running`),
    );
    const { children, apiUpstreams } = await planStack(
      config,
      supervisor.available(STACK_CHILDREN),
    );
    for (const c of children) {
      for (const p of c.ports) await assertPortFree(p.port, p.host, p.variable);
    }
    if (apiUpstreams.length > 0) {
      await assertPortFree(config.api.port, config.listenHost, 'NEFOS_API_PORT');
    }
    cleanups.push(() => supervisor.stopAll());
    for (const spec of children) supervisor.start(spec);
    if (apiUpstreams.length > 0) {
      const balancer = new RoundRobinBalancer(apiUpstreams, (m) => log(`balancer: ${m}`));
      await balancer.listen(config.api.port, config.listenHost);
      cleanups.push(() => balancer.close());
    }
    // The banner promises working URLs: wait until each process listens on its ports.
    await Promise.all(
      children.flatMap((c) =>
        c.ports.map((p) =>
          waitFor(`${c.name} on port ${p.port}`, 120000, () => portAnswers(p.port)),
        ),
      ),
    );

    printBanner(
      config,
      children.map((c) => (c.name.includes('-') ? `${c.name} (:${c.ports[0].port})` : c.name)),
      { adminPassword, rapiPassword, hypervisor, databaseUrl, redisUrl },
    );
    return { stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function chooseHypervisor(
  config: NefosConfig,
  log: (m: string) => void,
  cleanups: Array<() => void | Promise<void>>,
): Promise<HypervisorKind> {
  const wanted = config.master.hypervisor;
  if (wanted === 'test') return 'test';
  if (!qemuInstalled()) {
    if (wanted === 'qemu')
      throw new Error(
        'NEFOS_HYPERVISOR=qemu but libvirt/QEMU are not installed (apt-get install libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils)',
      );
    log(
      "*** libvirt/QEMU are not installed: using libvirt's test driver (simulated VMs). Set NEFOS_HYPERVISOR=qemu after installing them for real guests. ***",
    );
    return 'test';
  }
  try {
    const stopLibvirt = await ensureLibvirtd(log);
    if (stopLibvirt) cleanups.push(stopLibvirt);
    return 'qemu';
  } catch (err) {
    if (wanted === 'qemu') throw err;
    log(
      `*** libvirtd is not available (${(err as Error).message}): using libvirt's test driver (simulated VMs). ***`,
    );
    return 'test';
  }
}

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function printBanner(
  config: NefosConfig,
  processes: string[],
  s: {
    adminPassword: string;
    rapiPassword: string;
    hypervisor: string;
    databaseUrl: string;
    redisUrl: string;
  },
): void {
  const api = config.api.publicUrl;
  const lines = [
    '',
    'Nefos is running.',
    `  processes:   ${processes.join(', ') || '(none built yet)'}`,
    `  hypervisor:  ${s.hypervisor === 'test' ? 'libvirt test driver (simulated VMs)' : 'QEMU through libvirt (qemu:///system)'}`,
    `  identity:    ${api}/identity/v3`,
    `  compute:     ${api}/compute/v2.1`,
    `  image:       ${api}/image`,
    `  dashboard:   ${api}/admin`,
    `  health:      ${api}/healthz     metrics: ${api}/metrics`,
    `  console:     ${config.console.publicUrl}`,
    `  RAPI:        https://127.0.0.1:${config.rapi.port}  user ${config.rapi.user} password ${s.rapiPassword}`,
    `  database:    ${redactUrl(s.databaseUrl)}`,
    `  redis:       ${redactUrl(s.redisUrl)}`,
    `  data dir:    ${config.dataDir}`,
    '',
    '  Log in as admin (project admin, domain Default):',
    `    export OS_AUTH_URL=${api}/identity/v3 OS_USERNAME=admin OS_PASSWORD='${s.adminPassword}' OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_IDENTITY_API_VERSION=3`,
    '',
    'Ctrl-C stops everything this command started.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
