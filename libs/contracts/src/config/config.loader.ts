import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { NefosConfig } from './config.types';

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads one variable through a zod schema and records a message naming it when it is wrong. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  get<T>(name: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, fallback: T): T;
  get<T>(name: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): T | undefined;
  get<T>(name: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, fallback?: T): T | undefined {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const why = parsed.error.issues.map((i) => i.message).join('; ');
    this.problems.push(`${name}=${JSON.stringify(raw)}: ${why}`);
    return fallback;
  }
}

const port = z.coerce
  .number({ invalid_type_error: 'expected a port number' })
  .int('expected a whole port number')
  .min(1, 'a port must be between 1 and 65535')
  .max(65535, 'a port must be between 1 and 65535');
const positiveInt = z.coerce
  .number({ invalid_type_error: 'expected a number' })
  .int('expected a whole number')
  .min(1, 'expected a number of at least 1');
const nonNegativeInt = z.coerce
  .number({ invalid_type_error: 'expected a number' })
  .int('expected a whole number')
  .min(0, 'expected a number of at least 0');
const replicaCount = positiveInt.max(32, 'at most 32 processes');
/** A comma-separated setting as its trimmed, non-empty entries. */
const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
/** Express's trust-proxy names or IPv4/IPv6 addresses and subnets, comma-separated. */
const proxyList = commaList.pipe(
  z.array(
    z
      .string()
      .regex(
        /^(loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(\/\d{1,3})?)$/,
        'expected loopback, linklocal, uniquelocal or addresses/subnets such as 10.0.0.0/8',
      ),
  ),
);
const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL starting with ${protocols.join(' or ')}//` },
  );
const httpUrl = url(['http:', 'https:']).transform((v) => v.replace(/\/+$/, ''));
const originList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim().replace(/\/+$/, ''))
      .filter(Boolean),
  )
  .pipe(
    z.array(
      url(['http:', 'https:']).refine(
        (v) => URL.canParse(v) && new URL(v).origin === v,
        'expected origins such as https://cloud.example.com',
      ),
    ),
  );
const cidr = z
  .string()
  .regex(
    /^(\d{1,3})(\.\d{1,3}){3}\/(\d|[12]\d|3[0-2])$/,
    'expected an IPv4 CIDR such as 10.0.0.0/24',
  );
const ipv4 = z.string().regex(/^(\d{1,3})(\.\d{1,3}){3}$/, 'expected an IPv4 address');
const nodeList = commaList
  .pipe(
    z.array(
      z
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9.-]*=\S+:\/\/\S*$/,
          'expected name=uri entries, e.g. node1=qemu:///system',
        ),
    ),
  )
  .transform((entries) =>
    entries.map((e) => {
      const i = e.indexOf('=');
      return { name: e.slice(0, i), uri: e.slice(i + 1) };
    }),
  );

/** Private service URLs recorded by the stack launcher, so single processes find them. */
function readServicesFile(dataDir: string): { databaseUrl?: string; redisUrl?: string } {
  const file = join(dataDir, 'services.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { databaseUrl?: string; redisUrl?: string };
  } catch {
    return {};
  }
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): NefosConfig {
  const r = new EnvReader(env);
  const dataDirRaw = r.get('NEFOS_DATA_DIR', z.string().min(1), '.run');
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  const services = readServicesFile(dataDir);
  const apiPort = r.get('NEFOS_API_PORT', port, 8774);
  const consolePort = r.get('NEFOS_CONSOLE_PORT', port, 6080);
  const rapiPort = r.get('NEFOS_RAPI_PORT', port, 5080);
  const masterDir = join(dataDir, 'master');
  const clusterName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'a host-like name');
  const masterClusterName = r.get('NEFOS_CLUSTER_NAME', clusterName, 'nefos-local');

  const config: NefosConfig = {
    dataDir,
    listenHost: r.get('NEFOS_LISTEN_HOST', z.string().min(1), '0.0.0.0'),
    logLevel: r.get(
      'NEFOS_LOG_LEVEL',
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
      'info',
    ),
    logFormat: r.get('NEFOS_LOG_FORMAT', z.enum(['json', 'pretty', 'auto']), 'auto'),
    database: {
      url: r.get('DATABASE_URL', url(['postgres:', 'postgresql:'])) ?? services.databaseUrl,
      privatePort: r.get('NEFOS_PG_PORT', port, 55432),
      poolMax: r.get('NEFOS_DB_POOL_MAX', positiveInt, 10),
    },
    redis: {
      url: r.get('REDIS_URL', url(['redis:', 'rediss:'])) ?? services.redisUrl,
      privatePort: r.get('NEFOS_REDIS_PORT', port, 56379),
      prefix: r.get(
        'NEFOS_REDIS_PREFIX',
        z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
        'nefos',
      ),
    },
    serviceWaitMs: r.get('NEFOS_SERVICE_WAIT_MS', positiveInt, 15000),
    api: {
      port: apiPort,
      publicUrl: r.get('NEFOS_PUBLIC_URL', httpUrl, `http://127.0.0.1:${apiPort}`),
      region: r.get('NEFOS_REGION', z.string().min(1), 'RegionOne'),
      replicas: r.get('NEFOS_API_REPLICAS', replicaCount, 1),
      trustProxy: r.get('NEFOS_TRUST_PROXY', proxyList, ['loopback']),
    },
    rapi: {
      port: rapiPort,
      user: r.get('NEFOS_RAPI_USER', z.string().regex(/^\S+$/, 'no spaces allowed'), 'nefos'),
      password: r.get('NEFOS_RAPI_PASSWORD', z.string().regex(/^\S+$/, 'no spaces allowed')),
      timeoutMs: r.get('NEFOS_RAPI_TIMEOUT_MS', positiveInt, 10000),
      retries: r.get('NEFOS_RAPI_RETRIES', nonNegativeInt, 2),
      listenHost: r.get('NEFOS_RAPI_LISTEN_HOST', z.string().min(1), '0.0.0.0'),
      usersFile: r.get('NEFOS_RAPI_USERS_FILE', z.string().min(1), join(masterDir, 'rapi_users')),
      certFile: r.get('NEFOS_RAPI_CERT', z.string().min(1), join(masterDir, 'rapi.pem')),
    },
    console: {
      port: consolePort,
      publicUrl: r.get('NEFOS_CONSOLE_PUBLIC_URL', httpUrl, `http://127.0.0.1:${consolePort}`),
      tokenTtlSeconds: r.get('NEFOS_CONSOLE_TOKEN_TTL', positiveInt, 30),
      maxPerUser: r.get('NEFOS_CONSOLE_MAX_PER_USER', positiveInt, 4),
      maxPerServer: r.get('NEFOS_CONSOLE_MAX_PER_SERVER', positiveInt, 2),
      maxTotal: r.get('NEFOS_CONSOLE_MAX_TOTAL', positiveInt, 200),
      idleTimeoutSeconds: r.get('NEFOS_CONSOLE_IDLE_TIMEOUT', positiveInt, 900),
      watchIntervalMs: r.get('NEFOS_CONSOLE_WATCH_INTERVAL_MS', positiveInt, 2000),
      allowedOrigins: r.get('NEFOS_CONSOLE_ALLOWED_ORIGINS', originList, []),
      tlsCert: r.get('NEFOS_CONSOLE_TLS_CERT', z.string().min(1)),
      tlsKey: r.get('NEFOS_CONSOLE_TLS_KEY', z.string().min(1)),
    },
    master: {
      clusterName: masterClusterName,
      hypervisor: r.get('NEFOS_HYPERVISOR', z.enum(['qemu', 'test'])),
      virtType: r.get('NEFOS_VIRT_TYPE', z.enum(['kvm', 'qemu'])),
      workers: r.get('NEFOS_MASTER_WORKERS', positiveInt, 8),
      nodes: r.get('NEFOS_NODES', nodeList, []),
      queueDir: r.get('NEFOS_JOB_QUEUE_DIR', z.string().min(1), join(masterDir, 'queue')),
      hooksDir: r.get('NEFOS_HOOKS_DIR', z.string().min(1), join(masterDir, 'hooks')),
      imageDir: r.get('NEFOS_IMAGE_DIR', z.string().min(1), join(dataDir, 'images')),
      storageDir: r.get('NEFOS_STORAGE_DIR', z.string().min(1), join(masterDir, 'storage')),
      watchIntervalSeconds: r.get('NEFOS_WATCH_INTERVAL', positiveInt, 10),
      metricsPort: r.get('NEFOS_MASTER_METRICS_PORT', port, 9113),
      configFile: r.get('NEFOS_MASTER_CONFIG', z.string().min(1), join(masterDir, 'config.data')),
      hooksTimeoutSeconds: r.get('NEFOS_HOOKS_TIMEOUT', positiveInt, 600),
      jobArchiveAgeSeconds: r.get('NEFOS_JOB_ARCHIVE_AGE', nonNegativeInt, 21600),
      shutdownTimeoutSeconds: r.get('NEFOS_SHUTDOWN_TIMEOUT', nonNegativeInt, 120),
    },
    eventd: {
      metricsPort: r.get('NEFOS_EVENTD_METRICS_PORT', port, 9111),
      stateDir: r.get('NEFOS_EVENTD_STATE_DIR', z.string().min(1), join(dataDir, 'eventd')),
      rescanIntervalSeconds: r.get('NEFOS_EVENTD_RESCAN_INTERVAL', nonNegativeInt, 30),
      rapiUrl: r.get('NEFOS_EVENTD_RAPI_URL', httpUrl, `https://127.0.0.1:${rapiPort}`),
      cluster: r.get('NEFOS_EVENTD_CLUSTER', clusterName, masterClusterName),
    },
    dispatcher: {
      metricsPort: r.get('NEFOS_DISPATCHER_METRICS_PORT', port, 9112),
      replicas: r.get('NEFOS_DISPATCHER_REPLICAS', replicaCount, 1),
      concurrency: r.get('NEFOS_DISPATCHER_CONCURRENCY', positiveInt, 8),
      reconcileIntervalSeconds: r.get('NEFOS_RECONCILE_INTERVAL', nonNegativeInt, 300),
      heartbeatIntervalSeconds: r.get('NEFOS_HEARTBEAT_INTERVAL', nonNegativeInt, 60),
      heartbeatBudgetSeconds: r.get('NEFOS_HEARTBEAT_BUDGET', positiveInt, 30),
      resubmitAttempts: r.get('NEFOS_RESUBMIT_ATTEMPTS', nonNegativeInt, 3),
    },
    identity: {
      tokenTtlSeconds: r.get('NEFOS_TOKEN_TTL', positiveInt, 3600),
      adminPassword: r.get('NEFOS_ADMIN_PASSWORD', z.string().min(8, 'at least 8 characters')),
      loginFailuresPerUser: r.get('NEFOS_LOGIN_FAILURES_PER_USER', positiveInt, 10),
      loginFailuresPerAddress: r.get('NEFOS_LOGIN_FAILURES_PER_ADDRESS', positiveInt, 50),
      loginWindowSeconds: r.get('NEFOS_LOGIN_WINDOW', positiveInt, 300),
    },
    compute: {
      instancePrefix: r.get(
        'NEFOS_INSTANCE_PREFIX',
        z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and -'),
        'nefos-',
      ),
      publicNetworkCidr: r.get('NEFOS_PUBLIC_NETWORK_CIDR', cidr, '10.99.0.0/16'),
      publicNetworkGateway: r.get('NEFOS_PUBLIC_NETWORK_GATEWAY', ipv4),
      stuckAfterSeconds: r.get('NEFOS_STUCK_AFTER', positiveInt, 600),
      instanceOs: r.get(
        'NEFOS_INSTANCE_OS',
        z
          .string()
          .regex(/^[A-Za-z0-9._-]+(\+[A-Za-z0-9._-]+)?$/, 'an OS name, optionally +variant'),
        'nefos-image+default',
      ),
      allocatorCapacityMaxAgeSeconds: r.get('NEFOS_ALLOCATOR_CAPACITY_MAX_AGE', positiveInt, 60),
    },
    quotas: {
      instances: r.get('NEFOS_QUOTA_INSTANCES', nonNegativeInt, 10),
      cores: r.get('NEFOS_QUOTA_CORES', nonNegativeInt, 20),
      ram: r.get('NEFOS_QUOTA_RAM', nonNegativeInt, 51200),
      disk: r.get('NEFOS_QUOTA_DISK', nonNegativeInt, 1000),
      key_pairs: r.get('NEFOS_QUOTA_KEY_PAIRS', nonNegativeInt, 100),
      metadata_items: r.get('NEFOS_QUOTA_METADATA_ITEMS', nonNegativeInt, 128),
      networks: r.get('NEFOS_QUOTA_NETWORKS', nonNegativeInt, 10),
      floating_ips: r.get('NEFOS_QUOTA_FLOATING_IPS', nonNegativeInt, 10),
    },
    ops: {
      metricsToken: r.get(
        'NEFOS_METRICS_TOKEN',
        z.string().regex(/^\S{16,}$/, 'at least 16 characters, no spaces'),
      ),
      capacityMaxAgeSeconds: r.get('NEFOS_CAPACITY_MAX_AGE', positiveInt, 30),
      adminRefreshSeconds: r.get('NEFOS_ADMIN_REFRESH', positiveInt, 5),
    },
  };

  if (Boolean(config.console.tlsCert) !== Boolean(config.console.tlsKey)) {
    r.problems.push('NEFOS_CONSOLE_TLS_CERT and NEFOS_CONSOLE_TLS_KEY must be set together');
  }
  const ports = [
    ['NEFOS_API_PORT', config.api.port],
    ['NEFOS_RAPI_PORT', config.rapi.port],
    ['NEFOS_CONSOLE_PORT', config.console.port],
    ['NEFOS_MASTER_METRICS_PORT', config.master.metricsPort],
    ['NEFOS_EVENTD_METRICS_PORT', config.eventd.metricsPort],
    ['NEFOS_DISPATCHER_METRICS_PORT', config.dispatcher.metricsPort],
  ] as const;
  for (const [i, [name, p]] of ports.entries()) {
    const clash = ports.slice(0, i).find(([, q]) => q === p);
    if (clash) r.problems.push(`${name}=${p}: the same port as ${clash[0]}`);
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/** For entry points: load or print what is wrong and exit. */
export function loadConfigOrExit(): NefosConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`nefos: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
