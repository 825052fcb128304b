import pino from 'pino';
import { hashToken, loadConfig, RapiError } from '@nefos/contracts';
import type { ConsoleServerRow } from '@nefos/database';
import { DomainError } from '../common/errors/domain.error';
import type { AuthContext } from '../identity/auth/auth-context';
import { VncConsoleService } from './vnc-console.service';

const SERVER_ID = '0f8b7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b';
const auth = { userId: 'u1', projectId: 'p1', isAdmin: false, roles: ['member'] } as AuthContext;

function setup(
  over: { server?: Partial<ConsoleServerRow> | null; console?: () => Promise<unknown> } = {},
) {
  const server: ConsoleServerRow | null =
    over.server === null
      ? null
      : {
          id: SERVER_ID,
          projectId: 'p1',
          userId: 'u0',
          operstate: 'STARTED',
          task: null,
          deleted: false,
          instanceName: `nefos-${SERVER_ID}`,
          backendId: 'b1',
          ...over.server,
        };
  const created: Array<Record<string, unknown>> = [];
  const access = {
    server: jest.fn(async () => server),
    trail: jest.fn(async () => undefined),
  };
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
    over.console ??
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
  return { service, created, instanceConsole };
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

describe('VncConsoleService (os-getVNCConsole)', () => {
  it('returns a noVNC URL through the proxy and stores only the hash of its one-time token', async () => {
    const { service, created, instanceConsole } = setup();
    const res = await service.getConsole(auth, SERVER_ID, { type: 'novnc' });
    expect(instanceConsole).toHaveBeenCalledWith(`nefos-${SERVER_ID}`);
    expect(res.console.type).toBe('novnc');
    const url = new URL(res.console.url);
    expect(url.origin + url.pathname).toBe('https://console.example.com:6080/vnc.html');
    const path = url.searchParams.get('path')!;
    expect(path).toMatch(/^websockify\?token=[A-Za-z0-9_-]{43}$/);
    const token = path.split('=')[1];
    expect(created).toEqual([
      expect.objectContaining({
        hash: hashToken(token),
        serverId: SERVER_ID,
        userId: 'u1',
        projectId: 'p1',
        host: '127.0.0.1',
        port: 5901,
        kind: 'novnc',
        ttlSeconds: 30,
      }),
    ]);
    expect(JSON.stringify(created)).not.toContain(token);
  });

  it('gives each call a different token', async () => {
    const { service } = setup();
    const a = await service.getConsole(auth, SERVER_ID, { type: 'novnc' });
    const b = await service.getConsole(auth, SERVER_ID, { type: 'novnc' });
    expect(a.console.url).not.toBe(b.console.url);
  });

  it('answers 400 for xvpvnc, a wrong type, extra keys or no body', async () => {
    const { service } = setup();
    expect(await fault(service.getConsole(auth, SERVER_ID, { type: 'xvpvnc' }))).toEqual({
      status: 400,
      message: expect.stringMatching(/Unavailable console type xvpvnc/),
    });
    expect((await fault(service.getConsole(auth, SERVER_ID, { type: 'spice' }))).status).toBe(400);
    expect((await fault(service.getConsole(auth, SERVER_ID, { type: 'novnc', x: 1 }))).status).toBe(
      400,
    );
    expect(await fault(service.getConsole(auth, SERVER_ID, null))).toEqual({
      status: 400,
      message: expect.stringMatching(/^Invalid input for field\/attribute os-getVNCConsole/),
    });
    expect((await fault(service.getConsole(auth, SERVER_ID, {}))).message).toMatch(
      /attribute type/,
    );
  });

  it("answers 404 for another project's, a deleted, an unknown or a malformed server id", async () => {
    expect(
      (
        await fault(
          setup({ server: { projectId: 'p2' } }).service.getConsole(auth, SERVER_ID, {
            type: 'novnc',
          }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await fault(
          setup({ server: { deleted: true } }).service.getConsole(auth, SERVER_ID, {
            type: 'novnc',
          }),
        )
      ).status,
    ).toBe(404);
    expect(
      (await fault(setup({ server: null }).service.getConsole(auth, SERVER_ID, { type: 'novnc' })))
        .status,
    ).toBe(404);
    const { service } = setup();
    expect((await fault(service.getConsole(auth, 'not-a-uuid', { type: 'novnc' }))).status).toBe(
      404,
    );
  });

  it('answers 409 unless the server is ACTIVE', async () => {
    for (const server of [
      { operstate: 'STOPPED' as const },
      { operstate: 'BUILD' as const },
      { task: 'rebooting_hard' },
      { operstate: 'ERROR' as const },
    ]) {
      const f = await fault(
        setup({ server }).service.getConsole(auth, SERVER_ID, { type: 'novnc' }),
      );
      expect(f.status).toBe(409);
      expect(f.message).toMatch(/only ACTIVE servers have a console/);
    }
  });

  it('answers 409 when the backend says the instance is down, 503 when it cannot be asked', async () => {
    const down = setup({
      console: async () => {
        throw new RapiError('down', 'http', 503);
      },
    });
    expect((await fault(down.service.getConsole(auth, SERVER_ID, { type: 'novnc' }))).status).toBe(
      409,
    );
    const unreachable = setup({
      console: async () => {
        throw new RapiError('refused', 'network', null);
      },
    });
    expect(
      (await fault(unreachable.service.getConsole(auth, SERVER_ID, { type: 'novnc' }))).status,
    ).toBe(503);
    const notVnc = setup({ console: async () => ({ kind: 'spice', host: 'h', port: 1 }) });
    expect(
      (await fault(notVnc.service.getConsole(auth, SERVER_ID, { type: 'novnc' }))).status,
    ).toBe(409);
  });
});
