import { Agent } from 'node:https';
import axios, { AxiosError, AxiosInstance, Method } from 'axios';
import { RapiError } from './rapi.errors';
import type {
  RapiConsole,
  RapiInstance,
  RapiInstanceCreate,
  RapiInstanceModify,
  RapiJob,
  RapiJobId,
  RapiJobWaitResult,
  RapiNode,
  RapiWriteOptions,
} from './rapi.types';

export interface RapiClientOptions {
  /** e.g. `https://127.0.0.1:5080` */
  url: string;
  user: string;
  password: string;
  timeoutMs: number;
  /** Extra attempts for reads and for writes that never reached the master. */
  retries: number;
  /** Backend name, for error messages and metrics. */
  name?: string;
  /** Called after each HTTP call, for latency metrics. */
  onCall?: (info: { method: string; path: string; status: number | null; seconds: number }) => void;
}

/** Idle keep-alive sockets are closed after this (or the server's Keep-Alive hint, if shorter). */
const IDLE_SOCKET_MS = 30_000;

// Connection errors where the request certainly never reached the server: safe to retry any method.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Typed client for Ganeti's RAPI v2 (and Nefos's own master, which speaks the same).
 * Reads are retried on network errors; writes only when the request never left this host,
 * because a write that timed out may already have created a job.
 */
export class RapiClient {
  private readonly http: AxiosInstance;

  constructor(readonly options: RapiClientOptions) {
    this.http = axios.create({
      baseURL: options.url.replace(/\/+$/, ''),
      timeout: options.timeoutMs,
      auth: { username: options.user, password: options.password },
      // Ganeti's RAPI certificate is self-signed; its own clients do not verify it either.
      // An idle socket is dropped before the server drops it (Node honours the server's
      // Keep-Alive hint only when the agent has a timeout): reusing one the server is closing
      // fails the request with ECONNRESET, and a failed POST is not retried.
      httpsAgent: new Agent({
        rejectUnauthorized: false,
        keepAlive: true,
        timeout: IDLE_SOCKET_MS,
      }),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true },
    });
  }

  get name(): string {
    return this.options.name ?? this.options.url;
  }

  // ---- cluster ----
  version(): Promise<number> {
    return this.call('GET', '/version');
  }
  info(): Promise<Record<string, unknown>> {
    return this.call('GET', '/2/info');
  }
  features(): Promise<string[]> {
    return this.call('GET', '/2/features');
  }
  listOs(): Promise<string[]> {
    return this.call('GET', '/2/os');
  }
  clusterTags(): Promise<string[]> {
    return this.call('GET', '/2/tags');
  }
  addClusterTags(tags: string[], opts: RapiWriteOptions = {}): Promise<RapiJobId> {
    return this.call('PUT', '/2/tags', undefined, { tag: tags, ...this.writeQuery(opts) });
  }
  deleteClusterTags(tags: string[], opts: RapiWriteOptions = {}): Promise<RapiJobId> {
    return this.call('DELETE', '/2/tags', undefined, { tag: tags, ...this.writeQuery(opts) });
  }

  // ---- nodes and groups ----
  listNodes(): Promise<RapiNode[]> {
    return this.call('GET', '/2/nodes', undefined, { bulk: 1 });
  }
  getNode(name: string): Promise<RapiNode> {
    return this.call('GET', `/2/nodes/${enc(name)}`);
  }
  setNodeRole(
    name: string,
    role: 'master' | 'master-candidate' | 'regular' | 'drained' | 'offline',
    opts: RapiWriteOptions = {},
  ): Promise<RapiJobId> {
    return this.call('PUT', `/2/nodes/${enc(name)}/role`, role, this.writeQuery(opts));
  }
  modifyNode(
    name: string,
    params: { drained?: boolean; offline?: boolean; master_candidate?: boolean },
    opts: RapiWriteOptions = {},
  ): Promise<RapiJobId> {
    return this.call('POST', `/2/nodes/${enc(name)}/modify`, params, this.writeQuery(opts));
  }
  listGroups(): Promise<Array<Record<string, unknown>>> {
    return this.call('GET', '/2/groups', undefined, { bulk: 1 });
  }

  // ---- networks ----
  listNetworks(): Promise<Array<Record<string, unknown>>> {
    return this.call('GET', '/2/networks', undefined, { bulk: 1 });
  }
  createNetwork(body: Record<string, unknown>, opts: RapiWriteOptions = {}): Promise<RapiJobId> {
    return this.call('POST', '/2/networks', body, this.writeQuery(opts));
  }
  connectNetwork(
    network: string,
    body: { group_name: string; network_mode: string; network_link: string },
    opts: RapiWriteOptions = {},
  ): Promise<RapiJobId> {
    return this.call('PUT', `/2/networks/${enc(network)}/connect`, body, this.writeQuery(opts));
  }
  disconnectNetwork(
    network: string,
    body: { group_name: string },
    opts: RapiWriteOptions = {},
  ): Promise<RapiJobId> {
    return this.call('PUT', `/2/networks/${enc(network)}/disconnect`, body, this.writeQuery(opts));
  }
  deleteNetwork(network: string, opts: RapiWriteOptions = {}): Promise<RapiJobId> {
    return this.call('DELETE', `/2/networks/${enc(network)}`, undefined, this.writeQuery(opts));
  }

  // ---- instances ----
  listInstances(): Promise<RapiInstance[]> {
    return this.call('GET', '/2/instances', undefined, { bulk: 1 });
  }
  getInstance(name: string): Promise<RapiInstance> {
    return this.call('GET', `/2/instances/${enc(name)}`);
  }
  createInstance(body: RapiInstanceCreate, opts: RapiWriteOptions = {}): Promise<RapiJobId> {
    return this.call(
      'POST',
      '/2/instances',
      { __version__: 1, mode: 'create', ...body },
      this.writeQuery(opts),
    );
  }
  deleteInstance(
    name: string,
    opts: RapiWriteOptions & { shutdownTimeout?: number } = {},
  ): Promise<RapiJobId> {
    return this.call('DELETE', `/2/instances/${enc(name)}`, undefined, {
      ...this.writeQuery(opts),
      ...(opts.shutdownTimeout !== undefined ? { shutdown_timeout: opts.shutdownTimeout } : {}),
    });
  }
  startupInstance(name: string, opts: RapiWriteOptions = {}): Promise<RapiJobId> {
    return this.call('PUT', `/2/instances/${enc(name)}/startup`, undefined, this.writeQuery(opts));
  }
  shutdownInstance(
    name: string,
    opts: RapiWriteOptions & { timeout?: number } = {},
  ): Promise<RapiJobId> {
    const body = opts.timeout !== undefined ? { timeout: opts.timeout } : undefined;
    return this.call('PUT', `/2/instances/${enc(name)}/shutdown`, body, this.writeQuery(opts));
  }
  rebootInstance(
    name: string,
    type: 'soft' | 'hard' | 'full',
    opts: RapiWriteOptions = {},
  ): Promise<RapiJobId> {
    return this.call('POST', `/2/instances/${enc(name)}/reboot`, undefined, {
      type,
      ...this.writeQuery(opts),
    });
  }
  modifyInstance(
    name: string,
    body: RapiInstanceModify,
    opts: RapiWriteOptions = {},
  ): Promise<RapiJobId> {
    return this.call('PUT', `/2/instances/${enc(name)}/modify`, body, this.writeQuery(opts));
  }
  reinstallInstance(
    name: string,
    body: { os?: string; osparams?: Record<string, unknown>; start?: boolean },
    opts: RapiWriteOptions = {},
  ): Promise<RapiJobId> {
    return this.call(
      'POST',
      `/2/instances/${enc(name)}/reinstall`,
      { __version__: 1, ...body },
      this.writeQuery(opts),
    );
  }
  instanceConsole(name: string): Promise<RapiConsole> {
    return this.call('GET', `/2/instances/${enc(name)}/console`);
  }
  instanceInfo(name: string, static_ = false): Promise<RapiJobId> {
    return this.call(
      'GET',
      `/2/instances/${enc(name)}/info`,
      undefined,
      static_ ? { static: 1 } : undefined,
    );
  }
  instanceTags(name: string): Promise<string[]> {
    return this.call('GET', `/2/instances/${enc(name)}/tags`);
  }
  addInstanceTags(name: string, tags: string[], opts: RapiWriteOptions = {}): Promise<RapiJobId> {
    return this.call('PUT', `/2/instances/${enc(name)}/tags`, undefined, {
      tag: tags,
      ...this.writeQuery(opts),
    });
  }

  // ---- jobs ----
  listJobs(): Promise<RapiJob[]> {
    return this.call('GET', '/2/jobs', undefined, { bulk: 1 });
  }
  getJob(id: RapiJobId): Promise<RapiJob> {
    return this.call('GET', `/2/jobs/${id}`);
  }
  /** Long-polls (~10 s on Ganeti) until the job's fields or log change; null when nothing did. */
  waitForJobChange(
    id: RapiJobId,
    fields: string[],
    previousJobInfo: unknown[] | null,
    previousLogSerial: number | null,
  ): Promise<RapiJobWaitResult | null> {
    return this.call(
      'GET',
      `/2/jobs/${id}/wait`,
      {
        fields,
        previous_job_info: previousJobInfo,
        previous_log_serial: previousLogSerial,
      },
      undefined,
      Math.max(this.options.timeoutMs, 20000),
    );
  }
  cancelJob(id: RapiJobId, opts: RapiWriteOptions = {}): Promise<unknown> {
    return this.call('DELETE', `/2/jobs/${id}`, undefined, this.writeQuery(opts));
  }

  private writeQuery(opts: RapiWriteOptions): Record<string, string | number> {
    const q: Record<string, string | number> = {};
    if (opts.dryRun) q['dry-run'] = 1;
    if (opts.reason) q.reason = opts.reason;
    return q;
  }

  private async call<T>(
    method: Method,
    path: string,
    body?: unknown,
    params?: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<T> {
    const isRead = method === 'GET';
    for (let attempt = 0; ; attempt++) {
      const started = process.hrtime.bigint();
      try {
        const res = await this.http.request({
          method,
          url: path,
          data: body === undefined ? undefined : JSON.stringify(body),
          params,
          paramsSerializer: { indexes: null },
          timeout: timeoutMs ?? this.options.timeoutMs,
        });
        this.report(method, path, res.status, started);
        if (res.status >= 200 && res.status < 300) return res.data as T;
        const data = (res.data ?? {}) as { message?: string; explain?: string };
        const message = typeof data.message === 'string' ? data.message : `HTTP ${res.status}`;
        throw new RapiError(
          `${this.name}: ${method} ${path} failed with ${res.status}: ${message}`,
          'http',
          res.status,
          typeof data.explain === 'string' ? data.explain : null,
          this.name,
        );
      } catch (err) {
        if (err instanceof RapiError) throw err;
        this.report(method, path, null, started);
        const e = err as AxiosError;
        const timedOut = e.code === 'ETIMEDOUT' || e.code === 'ECONNABORTED';
        const retriable = isRead || NOT_SENT.has(e.code ?? '');
        if (retriable && attempt < this.options.retries) {
          await sleep(200 * 2 ** attempt);
          continue;
        }
        throw new RapiError(
          `${this.name}: ${method} ${path} ${timedOut ? 'timed out' : `failed: ${e.code ?? e.message}`}`,
          timedOut ? 'timeout' : 'network',
          null,
          null,
          this.name,
        );
      }
    }
  }

  private report(method: string, path: string, status: number | null, started: bigint): void {
    this.options.onCall?.({
      method,
      path,
      status,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    });
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
