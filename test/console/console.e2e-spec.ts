import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { hashToken } from '../../libs/contracts/src/crypto';
import { ROOT, startProcess, type RunningProcess } from '../support/processes';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { launchChromium, openConsoleInBrowser } from './support/browser';
import { openstack, type OpenStackCredentials } from './support/openstack-cli';
import { RfbTestClient } from './support/rfb-client';

const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const TTL_SECONDS = 10;

/** The WebSocket URL noVNC would open for a console URL the API returned. */
function websocketUrl(consoleUrl: string): { ws: string; token: string } {
  const url = new URL(consoleUrl);
  const path = url.searchParams.get('path')!;
  const token = new URLSearchParams(path.split('?')[1]).get('token')!;
  return { ws: `ws://${url.host}/${path}`, token };
}

/**
 * The whole path with a real guest: `npm start` with QEMU, `openstack server create` of the seeded
 * image, `openstack console url show`, then the proxy's WebSocket (RFB 3.8 and a framebuffer
 * update) and Debian's Chromium running noVNC.
 */
describe('VNC console of a real QEMU guest', () => {
  let env: TestEnv;
  let stack: RunningProcess;
  let creds: OpenStackCredentials;
  let db: Client;
  let serverId: string;

  const consoleUrl = async (): Promise<string> => {
    const out = (await openstack(creds, ['console', 'url', 'show', serverId])) as {
      type: string;
      url: string;
    };
    expect(out.type).toBe('novnc');
    return out.url;
  };

  beforeAll(async () => {
    env = await createTestEnv({
      NEFOS_HYPERVISOR: 'qemu',
      NEFOS_CONSOLE_TOKEN_TTL: String(TTL_SECONDS),
      NEFOS_CONSOLE_WATCH_INTERVAL_MS: '500',
      NEFOS_LOG_LEVEL: 'info',
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = startProcess('dist/stack/main.js', env.env);
    await stack.waitFor(/Nefos is running/, 600000);
    creds = {
      authUrl: `${env.config.api.publicUrl}/identity/v3`,
      username: 'admin',
      password: env.env.NEFOS_ADMIN_PASSWORD,
      projectName: 'admin',
    };
    db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    const server = (await openstack(creds, [
      'server',
      'create',
      '--image',
      'nefos-tiny',
      '--flavor',
      'm1.tiny',
      '--wait',
      'console-e2e',
    ])) as { id: string; status: string };
    expect(server.status).toBe('ACTIVE');
    serverId = server.id;
  }, 900000);

  afterAll(async () => {
    // Guests under qemu:///system outlive the stack: delete ours as a user would, and make sure.
    if (serverId) {
      await openstack(creds, ['server', 'delete', '--wait', serverId], { json: false }).catch(
        () => undefined,
      );
      for (const args of [['destroy'], ['undefine', '--nvram']]) {
        try {
          execFileSync('virsh', ['-c', 'qemu:///system', ...args, `nefos-${serverId}`], {
            stdio: 'ignore',
          });
        } catch {
          // already gone
        }
      }
    }
    await db?.end();
    await stack?.stop('SIGTERM', 120000);
    await env?.cleanup();
  });

  it('gives a noVNC URL on the console proxy (openstack console url show)', async () => {
    const url = new URL(await consoleUrl());
    expect(`${url.origin}${url.pathname}`).toBe(`${env.config.console.publicUrl}/vnc.html`);
    expect(url.searchParams.get('path')).toMatch(/^websockify\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('relays RFB 3.8 and a framebuffer update from the guest, once per token', async () => {
    const { ws } = websocketUrl(await consoleUrl());
    const client = new RfbTestClient(ws);
    const init = await client.handshake();
    expect(init.version).toBe('RFB 003.008\n');
    expect(init.width).toBeGreaterThan(0);
    const update = await client.framebufferUpdate(init.width, init.height);
    expect(update.pixelBytes).toBe(init.width * init.height * 4);
    expect(update.nonZero).toBeGreaterThan(0);

    const again = new RfbTestClient(ws);
    expect(await again.closed).toEqual({ code: 1008, reason: 'console token was already used' });
    expect(again.received).toBe(0);
    client.close();
    await client.closed;
  });

  it('refuses a token older than its TTL', async () => {
    const { ws, token } = websocketUrl(await consoleUrl());
    // Wait, by the database's clock (the one the proxy uses), until the token has expired.
    for (;;) {
      const { rows } = await db.query<{ expired: boolean }>(
        `SELECT "expiresAt" <= now() AS expired FROM "ConsoleToken" WHERE hash = $1`,
        [hashToken(token)],
      );
      if (rows[0].expired) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const late = new RfbTestClient(ws);
    expect(await late.closed).toEqual({ code: 1008, reason: 'console token has expired' });
    expect(late.received).toBe(0);
  });

  it("shows the guest's screen in headless Chromium", async () => {
    const browser = await launchChromium();
    try {
      const result = await openConsoleInBrowser(
        browser.context,
        await consoleUrl(),
        join(ARTIFACTS, 'console-guest.png'),
      );
      expect(result.status).toBe('Connected');
      expect(result.litPixels).toBeGreaterThan(200);
    } finally {
      await browser.close();
    }
  });

  it('closes an open console when the server is stopped', async () => {
    const { ws } = websocketUrl(await consoleUrl());
    const client = new RfbTestClient(ws);
    await client.handshake();
    await openstack(creds, ['server', 'stop', serverId], { json: false });
    const closed = await client.closed;
    // Either the proxy saw the state change first (4409) or QEMU closed the socket as it exited.
    expect([4409, 1000]).toContain(closed.code);
    await expect(consoleUrl()).rejects.toThrow(/409|ACTIVE/);
  });
});
