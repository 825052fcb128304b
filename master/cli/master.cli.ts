import { request } from 'node:https';
import type { NefosConfig } from '@nefos/contracts';
import { createLogger } from '@nefos/contracts';
import { ensureRapiCert } from '../rapi/rapi-cert';
import { ensureRapiPassword } from '../rapi/rapi-password';
import { RapiUsers } from '../rapi/rapi-users';
import { chooseHypervisor, loadOrInitCluster } from '../master.bootstrap';

const USAGE = `usage: node dist/master/main.js <command> [--json]
  init [--name CLUSTER]            create the cluster config, RAPI users file and certificate
  info                             cluster information (RAPI /2/info)
  node-list                        nodes with their capacity
  node-add NAME URI [--primary-ip ADDR]
                                   add a libvirt connection as a node (qemu+ssh://host/system)
  node-remove NAME                 remove a node that has no instances
  node-modify NAME [--drained yes|no] [--offline yes|no]
                                   drain a node (no new instances) or set it offline
Commands other than init talk to the running master over RAPI (NEFOS_RAPI_* settings).`;

type Flags = Record<string, string | true>;

function parse(args: string[]): { words: string[]; flags: Flags } {
  const words: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) words.push(a);
    else if (a === '--json' || a === '--help') flags[a.slice(2)] = true;
    else flags[a.slice(2)] = args[++i] ?? '';
  }
  return { words, flags };
}

function yesNo(v: string | true | undefined, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw new Error(`--${name} takes yes or no`);
}

/** Runs one CLI command; returns the exit code. */
export async function runCli(config: NefosConfig, args: string[]): Promise<number> {
  const { words, flags } = parse(args);
  const [command, ...rest] = words;
  const out = (human: string, data: unknown): void => {
    process.stdout.write(flags.json ? JSON.stringify(data, null, 2) + '\n' : human + '\n');
  };
  try {
    if (!command || flags.help) {
      process.stdout.write(USAGE + '\n');
      return command ? 0 : 2;
    }
    if (command === 'init') {
      const settings =
        typeof flags.name === 'string'
          ? { ...config, master: { ...config.master, clusterName: flags.name } }
          : config;
      const logger = createLogger({ ...config, logLevel: 'warn' }, 'master-cli');
      const existed = loadOrInitCluster(settings, chooseHypervisor(settings), logger).get();
      const password = ensureRapiPassword(settings);
      new RapiUsers(settings.rapi.usersFile).ensure(settings.rapi.user, password.value);
      await ensureRapiCert(settings.rapi.certFile);
      out(
        `cluster ${existed.cluster.name}: nodes ${Object.keys(existed.nodes).join(', ')}; config ${settings.master.configFile}; RAPI user ${settings.rapi.user} (password in ${password.file})`,
        {
          cluster: existed.cluster.name,
          nodes: Object.keys(existed.nodes),
          configFile: settings.master.configFile,
        },
      );
      return 0;
    }
    const rapi = rapiCaller(config);
    if (command === 'info') {
      const info = (await rapi('GET', '/2/info')) as Record<string, unknown>;
      out(
        Object.entries(info)
          .filter(([, v]) => typeof v !== 'object')
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join('\n'),
        info,
      );
      return 0;
    }
    if (command === 'node-list') {
      const nodes = (await rapi('GET', '/2/nodes?bulk=1')) as Array<Record<string, unknown>>;
      const rows = nodes.map((n) =>
        [
          n.name,
          n.libvirt_uri,
          n.role,
          n.offline ? 'offline' : n.drained ? 'drained' : n.reachable ? 'up' : 'down',
          `${n.mfree ?? '?'}/${n.mtotal ?? '?'} MiB`,
          `${n.ctotal ?? '?'} CPUs`,
          `${n.pinst_cnt} instances`,
        ].join('  '),
      );
      out(rows.join('\n') || '(no nodes)', nodes);
      return 0;
    }
    let job: number;
    if (command === 'node-add' && rest.length === 2) {
      job = (await rapi('POST', '/2/nodes', {
        node_name: rest[0],
        libvirt_uri: rest[1],
        ...(typeof flags['primary-ip'] === 'string' ? { primary_ip: flags['primary-ip'] } : {}),
      })) as number;
    } else if (command === 'node-remove' && rest.length === 1) {
      job = (await rapi('DELETE', `/2/nodes/${encodeURIComponent(rest[0])}`)) as number;
    } else if (command === 'node-modify' && rest.length === 1) {
      const body = {
        drained: yesNo(flags.drained, 'drained'),
        offline: yesNo(flags.offline, 'offline'),
      };
      if (body.drained === undefined && body.offline === undefined)
        throw new Error('node-modify needs --drained or --offline');
      job = (await rapi('POST', `/2/nodes/${encodeURIComponent(rest[0])}/modify`, body)) as number;
    } else {
      process.stderr.write(USAGE + '\n');
      return 2;
    }
    const result = await waitJob(rapi, job);
    if (result.status !== 'success') {
      const err = (result.opresult as unknown[])?.[0] as [string, unknown[]] | undefined;
      throw new Error(
        `job ${job} ${result.status}: ${err ? `${err[0]}: ${String(err[1]?.[0])}` : ''}`,
      );
    }
    out(`job ${job} succeeded`, result);
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
}

type Caller = (method: string, path: string, body?: unknown) => Promise<unknown>;

function rapiCaller(config: NefosConfig): Caller {
  const password = ensureRapiPassword(config).value;
  const auth = Buffer.from(`${config.rapi.user}:${password}`).toString('base64');
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? '' : JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port: config.rapi.port,
          path,
          method,
          rejectUnauthorized: false,
          headers: {
            Authorization: `Basic ${auth}`,
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(data),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            const parsed = text ? (JSON.parse(text) as unknown) : null;
            if (res.statusCode === 200) resolve(parsed);
            else
              reject(
                new Error(
                  `RAPI ${method} ${path}: ${res.statusCode} ${(parsed as { message?: string })?.message ?? ''}`,
                ),
              );
          });
        },
      );
      req.on('error', (err) =>
        reject(
          new Error(`cannot reach the master's RAPI on port ${config.rapi.port}: ${err.message}`),
        ),
      );
      req.end(data);
    });
}

async function waitJob(rapi: Caller, id: number): Promise<Record<string, unknown>> {
  for (;;) {
    const job = (await rapi('GET', `/2/jobs/${id}`)) as Record<string, unknown>;
    if (['success', 'error', 'canceled'].includes(String(job.status))) return job;
    await rapi('GET', `/2/jobs/${id}/wait`, {
      fields: ['status'],
      previous_job_info: [job.status],
      previous_log_serial: null,
    });
  }
}
