import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PrismaClient } from '../../libs/database/src';
import { createTestIdentity, testPrisma, type TestIdentity } from '../support/identity-fixtures';
import { startProcess, ROOT, type RunningProcess } from '../support/processes';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { launchChromium, openConsoleInBrowser } from './support/browser';
import { createServerRow, mintConsoleToken } from './support/console-fixtures';
import { startQemuVnc, type QemuVnc } from './support/qemu-vnc';
import { RfbTestClient } from './support/rfb-client';

const ARTIFACTS = join(ROOT, 'test', 'artifacts');

function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The compiled console proxy process (`dist/console/main.js`) with a real QEMU VNC behind it. */
describe('console proxy process', () => {
  let env: TestEnv;
  let prisma: PrismaClient;
  let qemu: QemuVnc;
  let proxy: RunningProcess;
  let owner: TestIdentity;
  let base: string;

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_LOG_LEVEL: 'info' });
    prisma = testPrisma(env.databaseUrl);
    qemu = await startQemuVnc();
    proxy = startProcess('dist/console/main.js', env.env);
    await proxy.waitFor(/console proxy listening/);
    owner = await createTestIdentity(prisma);
    base = `http://127.0.0.1:${env.config.console.port}`;
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await proxy?.stop();
    await qemu?.stop();
    await prisma?.$disconnect();
    await env?.cleanup();
  });

  it('logs each admission and refusal with its request id', async () => {
    const serverId = await createServerRow(prisma, owner);
    const t = await mintConsoleToken(prisma, { serverId, owner, host: qemu.host, port: qemu.port });
    const url = `ws://127.0.0.1:${env.config.console.port}/websockify?token=${t}`;
    const first = new RfbTestClient(url);
    await first.handshake();
    const second = new RfbTestClient(url);
    await second.closed;
    first.close();
    await first.closed;
    await proxy.waitFor(new RegExp(`"requestId":"${second.requestId}"`));
    await proxy.waitFor(/console session closed/);
    const lines = logLines(proxy.output());
    expect(
      lines.find((l) => l.requestId === first.requestId && l.msg === 'console session admitted'),
    ).toMatchObject({
      serverId,
      userId: owner.userId,
    });
    expect(lines.find((l) => l.requestId === second.requestId)).toMatchObject({
      refusal: 'token-used',
      msg: 'console connection refused: console token was already used',
    });
    expect(proxy.output()).not.toContain(t); // the token itself is never logged
  });

  it('shows the guest screen in headless Chromium through noVNC', async () => {
    const serverId = await createServerRow(prisma, owner);
    const t = await mintConsoleToken(prisma, { serverId, owner, host: qemu.host, port: qemu.port });
    const browser = await launchChromium();
    try {
      const shot = join(ARTIFACTS, 'console-proxy-seabios.png');
      const result = await openConsoleInBrowser(
        browser.context,
        `${base}/vnc.html?path=${encodeURIComponent(`websockify?token=${t}`)}`,
        shot,
      );
      expect(result.status).toBe('Connected');
      expect(result.litPixels).toBeGreaterThan(200);
      expect(result.consoleErrors.filter((e) => !/secure context/.test(e))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await proxy.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
