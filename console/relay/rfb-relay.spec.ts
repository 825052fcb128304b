import { createHash, randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode } from '../proxy/close-codes';
import { RfbRelay, type RelayEnd } from './rfb-relay';

const HIGH = 256 << 10;
const LOW = 64 << 10;
const TOTAL = 32 << 20;

interface Harness {
  client: WebSocket;
  guest: Socket;
  relay: RfbRelay;
  proxyWs: WebSocket;
  proxyTcp: Socket;
  counters: { to_guest: number; to_client: number };
  ended: Promise<RelayEnd>;
  close(): Promise<void>;
}

/** Browser <-ws-> relay <-tcp-> guest, all on loopback; the test plays browser and guest. */
async function harness(idleMs = 60000): Promise<Harness> {
  let guestSocket!: (s: Socket) => void;
  const guestReady = new Promise<Socket>((r) => (guestSocket = r));
  const guestServer: Server = createServer((s) => {
    s.pause();
    guestSocket(s);
  });
  await new Promise<void>((r) => guestServer.listen(0, '127.0.0.1', r));
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', r));
  const counters = { to_guest: 0, to_client: 0 };
  let endResolve!: (e: RelayEnd) => void;
  const ended = new Promise<RelayEnd>((r) => (endResolve = r));
  const proxied = new Promise<{ relay: RfbRelay; proxyWs: WebSocket; proxyTcp: Socket }>(
    (resolve) =>
      wss.once('connection', (ws) => {
        ws.pause();
        const tcp = connect((guestServer.address() as AddressInfo).port, '127.0.0.1', () => {
          const relay = new RfbRelay(ws, tcp, {
            idleMs,
            pingIntervalMs: 60000,
            highWaterBytes: HIGH,
            lowWaterBytes: LOW,
            onBytes: (d, n) => (counters[d] += n),
            onEnd: endResolve,
          });
          relay.start();
          resolve({ relay, proxyWs: ws, proxyTcp: tcp });
        });
      }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, {
    perMessageDeflate: false,
  });
  await new Promise((r) => client.once('open', r));
  const { relay, proxyWs, proxyTcp } = await proxied;
  const guest = await guestReady;
  return {
    client,
    guest,
    relay,
    proxyWs,
    proxyTcp,
    counters,
    ended,
    close: async () => {
      client.terminate();
      guest.destroy();
      await new Promise((r) => wss.close(r));
      await new Promise((r) => guestServer.close(r));
    },
  };
}

/** Resolves once `read()` has not changed for `quietMs` (the flow has stalled) or reached `total`. */
async function settle(read: () => number, total: number, quietMs = 300): Promise<number> {
  let last = -1;
  while (read() !== last && read() < total) {
    last = read();
    await new Promise((r) => setTimeout(r, quietMs));
  }
  return read();
}

describe('RfbRelay', () => {
  it('stops reading from the browser while the guest does not read, and loses nothing', async () => {
    const h = await harness();
    try {
      const payload = randomBytes(TOTAL);
      for (let off = 0; off < TOTAL; off += 64 << 10)
        h.client.send(payload.subarray(off, off + (64 << 10)));
      const relayed = await settle(() => h.counters.to_guest, TOTAL);
      // The guest reads nothing: the proxy stalls instead of buffering the rest in memory.
      expect(relayed).toBeLessThan(TOTAL);
      expect(h.proxyTcp.writableLength).toBeLessThanOrEqual(HIGH + (64 << 10));
      expect(h.client.bufferedAmount).toBeGreaterThan(0);
      const hash = createHash('sha256');
      let got = 0;
      await new Promise<void>((resolve) => {
        h.guest.on('data', (d: Buffer) => {
          hash.update(d);
          got += d.length;
          if (got === TOTAL) resolve();
        });
        h.guest.resume();
      });
      expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    } finally {
      await h.close();
    }
  });

  it('stops reading from the guest while the browser does not read, and loses nothing', async () => {
    const h = await harness();
    try {
      h.client.pause();
      h.guest.resume();
      const payload = randomBytes(TOTAL);
      h.guest.write(payload);
      const relayed = await settle(() => h.counters.to_client, TOTAL);
      expect(relayed).toBeLessThan(TOTAL);
      expect(h.proxyWs.bufferedAmount).toBeLessThanOrEqual(HIGH + (256 << 10));
      const hash = createHash('sha256');
      let got = 0;
      await new Promise<void>((resolve) => {
        h.client.on('message', (d: Buffer) => {
          hash.update(d);
          got += d.length;
          if (got === TOTAL) resolve();
        });
        h.client.resume();
      });
      expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    } finally {
      await h.close();
    }
  });

  it('ends the session when the guest hangs up, telling the browser', async () => {
    const h = await harness();
    try {
      const closed = new Promise<number>((r) => h.client.once('close', (code) => r(code)));
      h.guest.destroy();
      expect(await closed).toBe(CloseCode.Normal);
      expect(await h.ended).toMatchObject({ initiator: 'guest' });
    } finally {
      await h.close();
    }
  });

  it('hangs up on the guest when the browser leaves', async () => {
    const h = await harness();
    try {
      const guestEnded = new Promise<void>((r) => h.guest.once('end', () => r()));
      h.guest.resume();
      h.client.close(1000, 'bye');
      await guestEnded;
      expect(await h.ended).toMatchObject({ initiator: 'client', code: 1000, reason: 'bye' });
    } finally {
      await h.close();
    }
  });

  it('closes an idle session with 4408 and counts the bytes it relayed', async () => {
    const h = await harness(200);
    try {
      h.guest.resume();
      h.client.send(Buffer.from('RFB 003.008\n'));
      const closed = new Promise<number>((r) => h.client.once('close', (code) => r(code)));
      expect(await closed).toBe(CloseCode.IdleTimeout);
      expect(await h.ended).toMatchObject({ initiator: 'proxy', bytesToGuest: 12 });
    } finally {
      await h.close();
    }
  });
});
