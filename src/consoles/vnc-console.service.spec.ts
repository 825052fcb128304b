import pino from 'pino';
import { hashToken, loadConfig, RapiError } from '@nefos/contracts';
import { DomainError } from '../common/errors/domain.error';
import type { AuthContext } from '../identity/auth/auth-context';
import type { ServerActionContext } from '../compute/servers/actions/server-action';
import { VncConsoleAction } from './vnc-console.action';
import { VncConsoleService, type ConsoleServer } from './vnc-console.service';

const SERVER_ID = '0f8b7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b';
const auth = { userId: 'u1', projectId: 'p1', isAdmin: false, roles: ['member'] } as AuthContext;
const admin = { userId: 'a1', projectId: 'admin', isAdmin: true, roles: ['admin'] } as AuthContext;

function server(over: Partial<ConsoleServer> = {}): ConsoleServer {
  return {
    id: SERVER_ID,
    projectId: 'p1',
    operstate: 'STARTED',
    task: null,
    deleted: false,
    instanceName: `nefos-${SERVER_ID}`,
    backendId: 'b1',
    ...over,
  };
}

function setup(consoleAnswer?: () => Promise<unknown>) {
  const created: Array<Record<string, unknown>> = [];
  const access = { trail: jest.fn(async () => undefined) };
  const tokens = {
    create: jest.fn(async (t: Record<string, unknown>) => {
      created.push(t);
      return { expiresAt: new Date(Date.now() + 30000) };
    }),
  };
  const backends = {
    findById: jest.fn(async () => ({
      id: 'b1',
      name: 'local',
      rapiUrl: 'https://x',
      rapiUser: 'u',
      rapiPassword: 'p',
    })),
  };
  const instanceConsole = jest.fn(
    consoleAnswer ??
      (async () => ({
        instance: `nefos-${SERVER_ID}`,
        kind: 'vnc',
        host: '127.0.0.1',
        port: 5901,
        display: 1,
      })),
  );
  const rapi = { forBackend: jest.fn(() => ({ instanceConsole })) };
  const config = loadConfig({ NEFOS_CONSOLE_PUBLIC_URL: 'https://console.example.com:6080/' });
  const service = new VncConsoleService(
    access as never,
    tokens as never,
    backends as never,
    rapi as never,
    config,
    pino({ level: 'silent' }),
  );
  return { service, created, instanceConsole, tokens };
}

async function fault(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DomainError) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('os-getVNCConsole', () => {
  it('returns 200 with a noVNC URL through the proxy and stores only the hash of its one-time token', async () => {
    const { service, created, instanceConsole } = setup();
    const action = new VncConsoleAction(service);
    const ctx = { auth, server: server(), requestId: 'req-1' } as unknown as ServerActionContext;
    const res = await action.execute(ctx, { type: 'novnc' });
    expect(res.status).toBe(200);
    const body = res.body as { console: { type: string; url: string } };
    expect(instanceConsole).toHaveBeenCalledWith(`nefos-${SERVER_ID}`);
    expect(body.console.type).toBe('novnc');
    const url = new URL(body.console.url);
    expect(url.origin + url.pathname).toBe('https://console.example.com:6080/vnc.html');
    const path = url.searchParams.get('path')!;
    expect(path).toMatch(/^websockify\?token=[A-Za-z0-9_-]{43}$/);
    const token = path.split('=')[1];
    expect(created).toEqual([
      {
        hash: hashToken(token),
        serverId: SERVER_ID,
        userId: 'u1',
        projectId: 'p1',
        host: '127.0.0.1',
        port: 5901,
        kind: 'novnc',
        requestId: 'req-1',
        ttlSeconds: 30,
      },
    ]);
  });

  it('gives each call a different token', async () => {
    const { service } = setup();
    const a = await service.getConsole(auth, server(), 'novnc', null);
    const b = await service.getConsole(auth, server(), 'novnc', null);
    expect(a.console.url).not.toBe(b.console.url);
  });

  it('accepts only {"type": "novnc"|"xvpvnc"} and answers 400 for xvpvnc', async () => {
    const { service, tokens } = setup();
    const { schema } = new VncConsoleAction(service);
    expect(schema.safeParse({ type: 'novnc' }).success).toBe(true);
    expect(schema.safeParse({ type: 'spice-html5' }).success).toBe(false);
    expect(schema.safeParse({ type: 'novnc', extra: 1 }).success).toBe(false);
    expect(schema.safeParse({}).success).toBe(false);
    expect(schema.safeParse(null).success).toBe(false);
    expect(await fault(service.getConsole(auth, server(), 'xvpvnc', null))).toEqual({
      status: 400,
      message: expect.stringMatching(/^Unavailable console type xvpvnc/),
    });
    expect(tokens.create).not.toHaveBeenCalled();
  });

  it("answers 404 for another project's or a deleted server, and lets an admin through", async () => {
    const { service } = setup();
    expect(
      (await fault(service.getConsole(auth, server({ projectId: 'p2' }), 'novnc', null))).status,
    ).toBe(404);
    expect(
      (await fault(service.getConsole(auth, server({ deleted: true }), 'novnc', null))).status,
    ).toBe(404);
    const res = await service.getConsole(admin, server({ projectId: 'p2' }), 'novnc', null);
    expect(res.console.type).toBe('novnc');
  });

  it('answers 409 unless the server is ACTIVE', async () => {
    const { service, tokens } = setup();
    for (const over of [
      { operstate: 'STOPPED' as const },
      { operstate: 'BUILD' as const },
      { operstate: 'ERROR' as const },
      { task: 'rebooting_hard' },
      { backendId: null },
    ]) {
      const f = await fault(service.getConsole(auth, server(over), 'novnc', null));
      expect(f.status).toBe(409);
      expect(f.message).toMatch(/only ACTIVE servers have a console/);
    }
    expect(tokens.create).not.toHaveBeenCalled();
  });

  it('answers 409 when the backend says the instance is down, 503 when it cannot be asked', async () => {
    const cases: Array<[() => Promise<unknown>, number]> = [
      [async () => Promise.reject(new RapiError('down', 'http', 503)), 409],
      [async () => Promise.reject(new RapiError('gone', 'http', 404)), 409],
      [async () => Promise.reject(new RapiError('refused', 'network', null)), 503],
      [async () => Promise.reject(new RapiError('slow', 'timeout', null)), 503],
      [async () => ({ kind: 'spice', host: 'h', port: 1 }), 409],
      [async () => ({ kind: 'vnc', host: 'h', port: -1 }), 409],
    ];
    for (const [answer, status] of cases) {
      const { service, tokens } = setup(answer);
      expect((await fault(service.getConsole(auth, server(), 'novnc', null))).status).toBe(status);
      expect(tokens.create).not.toHaveBeenCalled();
    }
  });
});
