import { join } from 'node:path';
import { runManage } from '../../support/manage-cli';
import { ROOT, startProcess, type RunningProcess } from '../../support/processes';
import { createTestEnv, type TestEnv } from '../../support/test-env';

export const ARTIFACTS = join(ROOT, 'test', 'artifacts');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies loosely
type Json = any;

export interface ManageResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface OpsStack {
  env: TestEnv;
  stack: RunningProcess;
  api: string;
  adminPassword: string;
  /** A Keystone token of the seeded admin, scoped to project admin. */
  adminToken(): Promise<string>;
  /** Calls the API with the admin token; returns status, headers and parsed body. */
  call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; headers: Headers; body: Json }>;
  /** Creates a server of the seeded image and m1.tiny; returns its id and the request id. */
  createServer(name: string): Promise<{ id: string; requestId: string }>;
  /** Waits (up to `timeoutMs`) until the compute API shows the server in `status`. */
  waitForStatus(id: string, status: string, timeoutMs?: number): Promise<void>;
  /** Runs `nefos-manage` (dist/manage/main.js) against this stack. */
  manage(...args: string[]): Promise<ManageResult>;
  stop(): Promise<void>;
}

/**
 * The whole stack (`dist/stack/main.js`: master with libvirt's test driver, eventd, dispatcher,
 * API, console proxy) on a private database, Redis prefix and ports.
 */
export async function startOpsStack(extra: Record<string, string> = {}): Promise<OpsStack> {
  const env = await createTestEnv({
    NEFOS_HYPERVISOR: 'test',
    NEFOS_LOG_LEVEL: 'info',
    NEFOS_CAPACITY_MAX_AGE: '1',
    NEFOS_ADMIN_REFRESH: '1',
    ...extra,
  });
  const stack = startProcess('dist/stack/main.js', env.env);
  try {
    await stack.waitFor(/Nefos is running/, 300000);
  } catch (err) {
    await stack.stop('SIGTERM');
    await env.cleanup();
    throw err;
  }
  const api = env.config.api.publicUrl;
  const adminPassword = env.env.NEFOS_ADMIN_PASSWORD;
  let token: string | null = null;

  const adminToken = async (): Promise<string> => {
    if (token) return token;
    const res = await fetch(`${api}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: 'admin', domain: { id: 'default' }, password: adminPassword },
            },
          },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      }),
    });
    if (res.status !== 201) throw new Error(`admin login: ${res.status} ${await res.text()}`);
    token = res.headers.get('x-subject-token')!;
    return token;
  };

  const call: OpsStack['call'] = async (method, path, body) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: {
        'X-Auth-Token': await adminToken(),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };

  let refs: { imageRef: string; flavorRef: string } | null = null;
  const createServer: OpsStack['createServer'] = async (name) => {
    if (!refs) {
      const images = await call('GET', '/image/v2/images?name=nefos-tiny');
      const flavors = await call('GET', '/compute/v2.1/flavors');
      refs = {
        imageRef: images.body.images[0].id,
        flavorRef: flavors.body.flavors.find((f: { name: string }) => f.name === 'm1.tiny').id,
      };
    }
    const res = await call('POST', '/compute/v2.1/servers', { server: { name, ...refs } });
    if (res.status !== 202)
      throw new Error(`create ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.server.id, requestId: res.headers.get('x-openstack-request-id')! };
  };

  const waitForStatus: OpsStack['waitForStatus'] = async (id, status, timeoutMs = 120000) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const res = await call('GET', `/compute/v2.1/servers/${id}`);
      last = res.body?.server?.status ?? `HTTP ${res.status}`;
      if (last === status) return;
      if (last === 'ERROR' && status !== 'ERROR') break;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`server ${id} is ${last}, not ${status}`);
  };

  const manage: OpsStack['manage'] = (...args) => runManage(env.env, ...args);

  return {
    env,
    stack,
    api,
    adminPassword,
    adminToken,
    call,
    createServer,
    waitForStatus,
    manage,
    stop: async () => {
      await stack.stop('SIGTERM', 120000);
      await env.cleanup();
    },
  };
}

/** Reads a `/metrics` page (optionally with a bearer token). */
export async function scrape(
  url: string,
  bearer?: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });
  return { status: res.status, text: await res.text() };
}

/** The value of one series (`name{labels}`) in a metrics page, or null. Labels in any order. */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | null {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return null;
}
