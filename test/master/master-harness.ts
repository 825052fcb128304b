import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/test-env';
import { startProcess, type RunningProcess } from '../support/processes';

export const RAPI_PASSWORD = 'master-test-password';

export interface RapiResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export interface MasterHandle {
  env: Record<string, string>;
  dataDir: string;
  port: number;
  metricsPort: number;
  proc: RunningProcess;
  call<T = unknown>(method: string, path: string, opts?: CallOptions): Promise<RapiResponse<T>>;
  /** Waits for a job to finish (through /wait) and returns `GET /2/jobs/[id]`. */
  job(id: number): Promise<JobView>;
  restart(extra?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

export interface CallOptions {
  body?: unknown;
  rawBody?: string;
  auth?: [string, string] | null;
  contentType?: string | null;
}

export interface JobView {
  id: number | null;
  status: string;
  ops: Array<Record<string, unknown>>;
  opstatus: string[];
  opresult: unknown[];
  oplog: Array<Array<[number, [number, number], string, string]>>;
  received_ts: [number, number] | null;
  start_ts: [number, number] | null;
  end_ts: [number, number] | null;
  summary: string[];
}

export function rapiCall<T>(
  port: number,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<RapiResponse<T>> {
  const data = opts.rawBody ?? (opts.body === undefined ? '' : JSON.stringify(opts.body));
  const auth = opts.auth === undefined ? ['nefos', RAPI_PASSWORD] : opts.auth;
  const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(data) };
  if (opts.contentType !== null) headers['Content-Type'] = opts.contentType ?? 'application/json';
  if (auth)
    headers.Authorization = `Basic ${Buffer.from(`${auth[0]}:${auth[1]}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers, rejectUnauthorized: false, agent: false },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: (text ? JSON.parse(text) : null) as T,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Starts `dist/master/main.js` with libvirt's test driver in a fresh data dir. */
export async function startMaster(extra: Record<string, string> = {}): Promise<MasterHandle> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nefos-master-'));
  const port = await freePort();
  const metricsPort = await freePort();
  const env: Record<string, string> = {
    NEFOS_DATA_DIR: dataDir,
    NEFOS_HYPERVISOR: 'test',
    NEFOS_RAPI_PORT: String(port),
    NEFOS_MASTER_METRICS_PORT: String(metricsPort),
    NEFOS_RAPI_PASSWORD: RAPI_PASSWORD,
    NEFOS_LISTEN_HOST: '127.0.0.1',
    NEFOS_LOG_FORMAT: 'json',
    NEFOS_LOG_LEVEL: 'info',
    NEFOS_WATCH_INTERVAL: '1',
    ...extra,
  };
  const handle: MasterHandle = {
    env,
    dataDir,
    port,
    metricsPort,
    proc: startProcess('dist/master/main.js', env),
    call: (method, path, opts) => rapiCall(port, method, path, opts),
    async job(id) {
      let info: unknown[] | null = null;
      let serial: number | null = null;
      for (let i = 0; i < 600; i++) {
        type WaitAnswer = { job_info: unknown[]; log_entries: Array<[number]> } | null;
        const r: RapiResponse<WaitAnswer> = await handle.call<WaitAnswer>(
          'GET',
          `/2/jobs/${id}/wait`,
          {
            body: { fields: ['status'], previous_job_info: info, previous_log_serial: serial },
          },
        );
        if (r.status !== 200)
          throw new Error(`wait for job ${id}: ${r.status} ${JSON.stringify(r.body)}`);
        if (r.body) {
          info = r.body.job_info;
          const entries = r.body.log_entries;
          if (entries.length) serial = entries[entries.length - 1][0];
        }
        if (info && ['success', 'error', 'canceled'].includes(String(info[0]))) break;
      }
      return (await handle.call<JobView>('GET', `/2/jobs/${id}`)).body;
    },
    async restart(more = {}) {
      await handle.proc.stop('SIGTERM');
      Object.assign(env, more);
      handle.proc = startProcess('dist/master/main.js', env);
      await handle.proc.waitFor(/cluster master ready/);
    },
    async stop() {
      await handle.proc.stop('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await handle.proc.waitFor(/cluster master ready/);
  return handle;
}

export function createBody(
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    __version__: 1,
    mode: 'create',
    name,
    disk_template: 'file',
    disks: [{ size: 1024 }],
    nics: [{ mode: 'routed', ip: null }],
    beparams: { vcpus: 1, maxmem: 128, minmem: 128 },
    osparams: { img_id: 'nefos-tiny', img_format: 'diskdump' },
    start: true,
    name_check: false,
    ip_check: false,
    ...extra,
  };
}

/** The `[class, [message, kind]]` of a failed job's first op. */
export function opError(job: JobView): [string, unknown[]] {
  return job.opresult[0] as [string, unknown[]];
}

/** Writes an executable (or, with `mode`, a plain) hook script into a hooks dir. */
export function writeHook(dir: string, name: string, script: string, mode = 0o755): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, name), mode);
}
