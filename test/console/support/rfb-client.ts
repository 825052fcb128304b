import WebSocket from 'ws';

export interface ConsoleClose {
  code: number;
  reason: string;
}

export interface RfbServerInit {
  version: string;
  securityTypes: number[];
  width: number;
  height: number;
  name: string;
}

/**
 * A WebSocket console client that speaks enough RFB 3.8 to prove a console works: the version
 * handshake, security type None, ClientInit/ServerInit and one FramebufferUpdate.
 */
export class RfbTestClient {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<ConsoleClose>;
  /** The proxy's `X-OpenStack-Request-Id` for this connection. */
  requestId: string | undefined;
  /** Every byte received from the proxy, in order. */
  received = 0;
  private queue = Buffer.alloc(0);
  private waiter: (() => void) | undefined;

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, ['binary'], options);
    this.ws.on('upgrade', (res) => {
      this.requestId = res.headers['x-openstack-request-id'] as string | undefined;
    });
    this.ws.on('message', (data: Buffer) => {
      this.received += data.length;
      this.queue = Buffer.concat([this.queue, data]);
      this.waiter?.();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => {
        this.waiter?.();
        resolve({ code, reason: reason.toString() });
      }),
    );
    this.ws.on('error', () => undefined);
  }

  async read(n: number): Promise<Buffer> {
    while (this.queue.length < n) {
      if (this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`connection closed with ${this.queue.length}/${n} bytes read`);
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
    const out = this.queue.subarray(0, n);
    this.queue = this.queue.subarray(n);
    return out;
  }

  send(bytes: Buffer): void {
    this.ws.send(bytes, { binary: true });
  }

  async handshake(): Promise<RfbServerInit> {
    const version = (await this.read(12)).toString('latin1');
    this.send(Buffer.from('RFB 003.008\n', 'latin1'));
    const count = (await this.read(1))[0];
    if (count === 0) {
      const len = (await this.read(4)).readUInt32BE(0);
      throw new Error(`server refused: ${(await this.read(len)).toString()}`);
    }
    const securityTypes = [...(await this.read(count))];
    if (!securityTypes.includes(1)) throw new Error(`no None security type: ${securityTypes}`);
    this.send(Buffer.from([1]));
    const result = (await this.read(4)).readUInt32BE(0);
    if (result !== 0) throw new Error(`security result ${result}`);
    this.send(Buffer.from([1])); // ClientInit: shared
    const init = await this.read(24);
    const width = init.readUInt16BE(0);
    const height = init.readUInt16BE(2);
    const name = (await this.read(init.readUInt32BE(20))).toString('utf8');
    return { version, securityTypes, width, height, name };
  }

  /** Asks for the whole screen in raw encoding and reads the FramebufferUpdate that answers. */
  async framebufferUpdate(
    width: number,
    height: number,
  ): Promise<{ rects: number; pixelBytes: number; nonZero: number }> {
    const setEncodings = Buffer.alloc(8);
    setEncodings.writeUInt8(2, 0);
    setEncodings.writeUInt16BE(1, 2);
    setEncodings.writeInt32BE(0, 4); // raw
    this.send(setEncodings);
    const request = Buffer.alloc(10);
    request.writeUInt8(3, 0);
    request.writeUInt8(0, 1); // not incremental: the whole screen
    request.writeUInt16BE(width, 6);
    request.writeUInt16BE(height, 8);
    this.send(request);
    for (;;) {
      const type = (await this.read(1))[0];
      if (type === 2) continue; // Bell
      if (type === 3) {
        const len = (await this.read(7)).readUInt32BE(3);
        await this.read(len);
        continue;
      }
      if (type !== 0) throw new Error(`unexpected server message ${type}`);
      const rects = (await this.read(3)).readUInt16BE(1);
      let pixelBytes = 0;
      let nonZero = 0;
      for (let i = 0; i < rects; i++) {
        const h = await this.read(12);
        const w = h.readUInt16BE(4);
        const hh = h.readUInt16BE(6);
        const encoding = h.readInt32BE(8);
        if (encoding !== 0) continue; // pseudo-encodings carry no pixels here
        const pixels = await this.read(w * hh * 4);
        pixelBytes += pixels.length;
        for (let j = 0; j < pixels.length; j += 4) if (pixels.readUInt32LE(j) & 0xffffff) nonZero++;
      }
      return { rects, pixelBytes, nonZero };
    }
  }

  close(): void {
    this.ws.close();
  }
}
