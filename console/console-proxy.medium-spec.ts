import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import pino from 'pino';
import { generate } from 'selfsigned';
import { loadConfig } from '@nefos/contracts';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, freePort, type TestEnv } from '../test/support/test-env';
import {
  createTestIdentity,
  testPrisma,
  type TestIdentity,
} from '../test/support/identity-fixtures';
import { startQemuVnc, type QemuVnc } from '../test/console/support/qemu-vnc';
import { RfbTestClient } from '../test/console/support/rfb-client';
import { createServerRow, mintConsoleToken, wsUrl } from '../test/console/support/console-fixtures';
import { startConsoleProxy } from './console.factory';
import { CloseCode } from './proxy/close-codes';

/** A TCP listener standing where a guest's VNC would be, counting who connects to it. */
async function countingListener(): Promise<{
  port: number;
  accepted: () => number;
  firstConnection: Promise<void>;
  close: () => Promise<void>;
}> {
  let accepted = 0;
  let onFirst!: () => void;
  const firstConnection = new Promise<void>((r) => (onFirst = r));
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    accepted++;
    sockets.push(s);
    onFirst();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    firstConnection,
    close: () =>
      new Promise((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}

describe('console proxy', () => {
  let env: TestEnv;
  let prisma: PrismaClient;
  let qemu: QemuVnc;
  let proxy: INestApplicationContext;
  let port: number;
  let owner: TestIdentity;
  const logs: Array<Record<string, unknown>> = [];

  const startProxy = async (
    extra: Record<string, string> = {},
  ): Promise<{ app: INestApplicationContext; port: number }> => {
    const p = await freePort();
    const config = loadConfig({ ...env.env, NEFOS_CONSOLE_PORT: String(p), ...extra });
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          logs.push(JSON.parse(line));
        cb();
      },
    });
    const app = await startConsoleProxy(config, pino({ level: 'info' }, sink));
    return { app, port: p };
  };
  const token = (
    serverId: string,
    over: Partial<{ host: string; port: number; ttlSeconds: number; owner: TestIdentity }> = {},
  ) =>
    mintConsoleToken(prisma, {
      serverId,
      owner: over.owner ?? owner,
      host: over.host ?? qemu.host,
      port: over.port ?? qemu.port,
      ttlSeconds: over.ttlSeconds,
    });

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_CONSOLE_WATCH_INTERVAL_MS: '100' });
    prisma = testPrisma(env.databaseUrl);
    qemu = await startQemuVnc();
    ({ app: proxy, port } = await startProxy());
    owner = await createTestIdentity(prisma, { roles: ['member'] });
  });
  afterAll(async () => {
    await proxy?.close();
    await qemu?.stop();
    await prisma?.$disconnect();
    await env?.cleanup();
  });

  describe('WebSocket /websockify?token=', () => {
    it('relays RFB 3.8 to the guest and delivers a framebuffer update', async () => {
      const serverId = await createServerRow(prisma, owner);
      const client = new RfbTestClient(wsUrl(port, await token(serverId)));
      await client.opened;
      expect(client.ws.protocol).toBe('binary');
      const init = await client.handshake();
      expect(init.version).toBe('RFB 003.008\n');
      expect(init.width).toBeGreaterThan(0);
      const update = await client.framebufferUpdate(init.width, init.height);
      expect(update.rects).toBeGreaterThan(0);
      expect(update.pixelBytes).toBe(init.width * init.height * 4);
      expect(update.nonZero).toBeGreaterThan(0); // SeaBIOS text is on the screen
      client.close();
      const closed = await client.closed;
      expect(closed.code).toBe(1005); // closed by us without a code
      const admitted = logs.find(
        (l) => l.msg === 'console session admitted' && l.requestId === client.requestId,
      );
      expect(admitted).toMatchObject({ serverId, userId: owner.userId });
      expect(client.requestId).toMatch(/^req-[0-9a-f-]{36}$/);
    });

    it('refuses a second use of the same token without connecting to the guest', async () => {
      const guest = await countingListener();
      try {
        const serverId = await createServerRow(prisma, owner);
        const t = await token(serverId, { host: '127.0.0.1', port: guest.port });
        const first = new RfbTestClient(wsUrl(port, t));
        await first.opened;
        await guest.firstConnection; // the first use is admitted: the proxy dials the guest
        const second = new RfbTestClient(wsUrl(port, t));
        const closed = await second.closed;
        expect(closed).toEqual({
          code: CloseCode.PolicyViolation,
          reason: 'console token was already used',
        });
        expect(second.received).toBe(0);
        expect(guest.accepted()).toBe(1);
        const refusal = logs.find((l) => l.requestId === second.requestId);
        expect(refusal).toMatchObject({ refusal: 'token-used', serverId });
        first.close();
      } finally {
        await guest.close();
      }
    });

    it('refuses an expired token', async () => {
      const serverId = await createServerRow(prisma, owner);
      const client = new RfbTestClient(wsUrl(port, await token(serverId, { ttlSeconds: -1 })));
      expect(await client.closed).toEqual({
        code: CloseCode.PolicyViolation,
        reason: 'console token has expired',
      });
      expect(client.received).toBe(0);
    });

    it('refuses a missing, malformed or unknown token', async () => {
      const missing = new RfbTestClient(`ws://127.0.0.1:${port}/websockify`);
      expect(await missing.closed).toEqual({ code: 1008, reason: 'console token missing' });
      const malformed = new RfbTestClient(wsUrl(port, 'not-a-token'));
      expect(await malformed.closed).toEqual({ code: 1008, reason: 'console token is not valid' });
      const unknown = new RfbTestClient(wsUrl(port, 'A'.repeat(43)));
      expect(await unknown.closed).toEqual({ code: 1008, reason: 'console token is not valid' });
    });

    it('refuses a token whose server was deleted, stopped or whose user lost the project', async () => {
      const deleted = await createServerRow(prisma, owner);
      const t1 = await token(deleted);
      await prisma.server.update({ where: { id: deleted }, data: { deleted: true } });
      const c1 = new RfbTestClient(wsUrl(port, t1));
      expect((await c1.closed).reason).toBe('the server no longer exists');

      const stopped = await createServerRow(prisma, owner, 'STOPPED');
      const c2 = new RfbTestClient(wsUrl(port, await token(stopped)));
      expect((await c2.closed).reason).toBe('the server is not active');

      const leaver = await createTestIdentity(prisma, { roles: ['member'] });
      const theirs = await createServerRow(prisma, leaver);
      const t3 = await token(theirs, { owner: leaver });
      await prisma.roleAssignment.deleteMany({ where: { userId: leaver.userId } });
      const c3 = new RfbTestClient(wsUrl(port, t3));
      expect((await c3.closed).reason).toBe('access to the server was revoked');
      for (const c of [c1, c2, c3]) expect(c.received).toBe(0);
    });

    it("admits a cloud admin to another project's server", async () => {
      const admin = await createTestIdentity(prisma, { roles: ['admin'] });
      const serverId = await createServerRow(prisma, owner);
      const t = await token(serverId, { owner: { ...admin, projectId: owner.projectId } });
      const client = new RfbTestClient(wsUrl(port, t));
      expect((await client.handshake()).version).toBe('RFB 003.008\n');
      client.close();
      await client.closed;
    });

    it('refuses a browser page from another origin', async () => {
      const serverId = await createServerRow(prisma, owner);
      const t = await token(serverId);
      const client = new RfbTestClient(wsUrl(port, t), { origin: 'https://evil.example' });
      expect(await client.closed).toEqual({ code: 1008, reason: 'origin not allowed' });
      // The token was not spent by the refused page.
      const ok = new RfbTestClient(wsUrl(port, t), { origin: `http://127.0.0.1:${port}` });
      expect((await ok.handshake()).version).toBe('RFB 003.008\n');
      ok.close();
      await ok.closed;
    });

    it('closes a text frame with 1003', async () => {
      const serverId = await createServerRow(prisma, owner);
      const client = new RfbTestClient(wsUrl(port, await token(serverId)));
      await client.read(12);
      client.ws.send('RFB 003.008\n');
      expect((await client.closed).code).toBe(CloseCode.UnsupportedData);
    });
  });

  describe('open sessions', () => {
    it('closes the console when the server is deleted', async () => {
      const serverId = await createServerRow(prisma, owner);
      const client = new RfbTestClient(wsUrl(port, await token(serverId)));
      await client.handshake();
      await prisma.server.update({
        where: { id: serverId },
        data: { deleted: true, operstate: 'DESTROYED' },
      });
      expect(await client.closed).toEqual({
        code: CloseCode.ServerDeleted,
        reason: 'the server was deleted',
      });
    });

    it('closes the console when the server is stopped', async () => {
      const serverId = await createServerRow(prisma, owner);
      const client = new RfbTestClient(wsUrl(port, await token(serverId)));
      await client.handshake();
      await prisma.server.update({ where: { id: serverId }, data: { operstate: 'STOPPED' } });
      expect(await client.closed).toEqual({
        code: CloseCode.ServerStopped,
        reason: 'the server was stopped',
      });
    });

    it('keeps at most the configured consoles per server, and a refused token stays usable', async () => {
      const serverId = await createServerRow(prisma, owner);
      const open: RfbTestClient[] = [];
      for (let i = 0; i < 2; i++) {
        const c = new RfbTestClient(wsUrl(port, await token(serverId)));
        await c.handshake();
        open.push(c);
      }
      const third = await token(serverId);
      const refused = new RfbTestClient(wsUrl(port, third));
      expect(await refused.closed).toEqual({
        code: CloseCode.TryAgainLater,
        reason: 'too many consoles open for this server',
      });
      open[0].close();
      await open[0].closed;
      const retry = new RfbTestClient(wsUrl(port, third));
      await retry.handshake();
      retry.close();
      open[1].close();
      await Promise.all([retry.closed, open[1].closed]);
    });
  });

  describe('limits and timeouts', () => {
    let limited: { app: INestApplicationContext; port: number };
    beforeAll(async () => {
      limited = await startProxy({
        NEFOS_CONSOLE_MAX_PER_USER: '1',
        NEFOS_CONSOLE_MAX_TOTAL: '2',
        NEFOS_CONSOLE_IDLE_TIMEOUT: '1',
      });
    });
    afterAll(() => limited.app.close());

    it('keeps at most the configured consoles per user', async () => {
      const first = new RfbTestClient(
        wsUrl(limited.port, await token(await createServerRow(prisma, owner))),
      );
      await first.handshake();
      const second = new RfbTestClient(
        wsUrl(limited.port, await token(await createServerRow(prisma, owner))),
      );
      expect(await second.closed).toEqual({
        code: CloseCode.TryAgainLater,
        reason: 'too many consoles open for this user',
      });
      first.close();
      await first.closed;
    });

    it('caps the open connections of the proxy, before looking at the token', async () => {
      const other = await createTestIdentity(prisma, { roles: ['member'] });
      const a = new RfbTestClient(
        wsUrl(limited.port, await token(await createServerRow(prisma, owner))),
      );
      const b = new RfbTestClient(
        wsUrl(limited.port, await token(await createServerRow(prisma, other), { owner: other })),
      );
      await Promise.all([a.handshake(), b.handshake()]);
      const third = new RfbTestClient(wsUrl(limited.port, 'A'.repeat(43)));
      expect(await third.closed).toEqual({
        code: CloseCode.TryAgainLater,
        reason: 'the console proxy is at capacity',
      });
      a.close();
      b.close();
      await Promise.all([a.closed, b.closed]);
    });

    it('closes a console that stays idle longer than the idle timeout', async () => {
      const serverId = await createServerRow(prisma, owner);
      const client = new RfbTestClient(wsUrl(limited.port, await token(serverId)));
      await client.handshake();
      expect(await client.closed).toEqual({
        code: CloseCode.IdleTimeout,
        reason: 'the console was idle for too long',
      });
    });
  });

  describe('HTTP', () => {
    it('serves the console page with a strict content security policy', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/vnc.html?path=websockify%3Ftoken%3Dx`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('content-security-policy')).toMatch(
        /default-src 'none'; script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/,
      );
      expect(await res.text()).toContain("import RFB from './novnc/core/rfb.js'");
    });

    it('serves the noVNC modules from the installed package and nothing else', async () => {
      const rfb = await fetch(`http://127.0.0.1:${port}/novnc/core/rfb.js`);
      expect(rfb.status).toBe(200);
      expect(rfb.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      const installed = readFileSync(require.resolve('@novnc/novnc'), 'utf8');
      expect(await rfb.text()).toBe(installed);
      const pako = await fetch(`http://127.0.0.1:${port}/novnc/vendor/pako/lib/zlib/inflate.js`);
      expect(pako.status).toBe(200);
      for (const path of [
        '/novnc/package.json',
        '/novnc/core/../../../package.json',
        '/novnc/core/%2e%2e/%2e%2e/%2e%2e/package.json',
        '/novnc/core/missing.js',
      ]) {
        expect((await fetch(`http://127.0.0.1:${port}${path}`)).status).toBe(404);
      }
    });

    it('exposes console metrics for Prometheus', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).toMatch(/^nefos_console_sessions \d+$/m);
      expect(text).toMatch(/^nefos_console_connections \d+$/m);
      expect(text).toMatch(
        /^nefos_console_admissions_total\{result="admitted",reason=""\} [1-9]\d*$/m,
      );
      expect(text).toMatch(
        /^nefos_console_admissions_total\{result="refused",reason="token-used"\} [1-9]/m,
      );
      expect(text).toMatch(/^nefos_console_bytes_total\{direction="to_client"\} [1-9]/m);
      expect(text).toMatch(/^nefos_console_session_duration_seconds_count [1-9]/m);
    });

    it('answers /healthz with the database state', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        status: 'ok',
        dependencies: [{ name: 'postgres', ok: true }],
      });
    });
  });

  describe('TLS', () => {
    it('speaks wss when a certificate is configured', async () => {
      const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
        keySize: 2048,
        algorithm: 'sha256',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
      });
      writeFileSync(join(env.dataDir, 'console.crt'), pems.cert);
      writeFileSync(join(env.dataDir, 'console.key'), pems.private);
      const tls = await startProxy({
        NEFOS_CONSOLE_TLS_CERT: join(env.dataDir, 'console.crt'),
        NEFOS_CONSOLE_TLS_KEY: join(env.dataDir, 'console.key'),
      });
      try {
        const serverId = await createServerRow(prisma, owner);
        const client = new RfbTestClient(wsUrl(tls.port, await token(serverId), 'wss'), {
          ca: pems.cert,
        });
        expect((await client.handshake()).version).toBe('RFB 003.008\n');
        client.close();
        await client.closed;
        const plain = new RfbTestClient(wsUrl(tls.port, await token(serverId)));
        await expect(plain.opened).rejects.toThrow();
      } finally {
        await tls.app.close();
      }
    });
  });
});
