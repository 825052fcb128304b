import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { CloseCode } from '../proxy/close-codes';

export interface RelayOptions {
  /** Close after this long without a byte in either direction. */
  idleMs: number;
  /** Liveness: ping the browser this often and drop it when a pong never comes back. */
  pingIntervalMs: number;
  /** Stop reading from the guest while this much is queued towards the browser... */
  highWaterBytes: number;
  /** ...and read again once the queue is down to this. */
  lowWaterBytes: number;
  onBytes?: (direction: 'to_guest' | 'to_client', bytes: number) => void;
  onEnd: (end: RelayEnd) => void;
}

export interface RelayEnd {
  initiator: 'client' | 'guest' | 'proxy';
  code: number;
  reason: string;
  bytesToGuest: number;
  bytesToClient: number;
}

export const DEFAULT_RELAY_BUFFERS = { highWaterBytes: 1 << 20, lowWaterBytes: 256 << 10 };

/**
 * Relays an RFB stream between a browser's WebSocket (binary messages) and the guest's VNC TCP
 * socket. Each direction is flow-controlled: a slow guest pauses reading from the browser, a slow
 * browser pauses reading from the guest, so the proxy never holds more than about one high-water
 * mark per session.
 */
export class RfbRelay {
  private ended = false;
  private lastActivity = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private alive = true;
  private bytesToGuest = 0;
  private bytesToClient = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly tcp: Socket,
    private readonly opts: RelayOptions,
  ) {}

  start(): void {
    const { ws, tcp } = this;
    tcp.setNoDelay(true);
    ws.on('message', (data: RawData, isBinary: boolean) => this.fromClient(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('close', (code: number, reason: Buffer) =>
      this.finish('client', code, reason.toString() || 'closed by the client'),
    );
    ws.on('error', () => undefined); // 'close' follows
    tcp.on('data', (chunk: Buffer) => this.fromGuest(chunk));
    tcp.on('error', () => undefined); // 'close' follows
    tcp.on('close', () =>
      this.finish('guest', CloseCode.Normal, 'the console connection was closed by the server'),
    );
    this.armIdle(this.opts.idleMs);
    this.pingTimer = setInterval(() => {
      if (!this.alive) {
        this.ws.terminate();
        return;
      }
      this.alive = false;
      this.ws.ping();
    }, this.opts.pingIntervalMs);
    this.pingTimer.unref();
    if (ws.isPaused) ws.resume();
  }

  /** Ends the session from the proxy's side (server stopped, idle, shutdown). */
  close(code: CloseCode, reason: string): void {
    this.finish('proxy', code, reason);
  }

  private fromClient(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    if (!isBinary) {
      this.close(CloseCode.UnsupportedData, 'text frames are not supported; send binary RFB');
      return;
    }
    const buf = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    this.touch();
    this.bytesToGuest += buf.length;
    this.opts.onBytes?.('to_guest', buf.length);
    if (!this.tcp.write(buf) && !this.ws.isPaused) {
      this.ws.pause();
      this.tcp.once('drain', () => {
        if (!this.ended) this.ws.resume();
      });
    }
  }

  private fromGuest(chunk: Buffer): void {
    if (this.ended) return;
    this.touch();
    this.bytesToClient += chunk.length;
    this.opts.onBytes?.('to_client', chunk.length);
    this.ws.send(chunk, { binary: true }, () => {
      if (!this.ended && this.tcp.isPaused() && this.ws.bufferedAmount <= this.opts.lowWaterBytes)
        this.tcp.resume();
    });
    if (this.ws.bufferedAmount > this.opts.highWaterBytes) this.tcp.pause();
  }

  private touch(): void {
    this.lastActivity = Date.now();
  }

  // One timer per session, re-armed for the remaining time instead of on every packet.
  private armIdle(ms: number): void {
    this.idleTimer = setTimeout(() => {
      const quiet = Date.now() - this.lastActivity;
      if (quiet >= this.opts.idleMs) {
        this.close(CloseCode.IdleTimeout, 'the console was idle for too long');
      } else {
        this.armIdle(this.opts.idleMs - quiet);
      }
    }, ms);
    this.idleTimer.unref();
  }

  private finish(initiator: RelayEnd['initiator'], code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    clearInterval(this.pingTimer);
    if (initiator !== 'client') this.ws.close(code, reason);
    if (initiator === 'client') {
      // Let what the browser sent last reach the guest, then hang up.
      this.tcp.end();
      setTimeout(() => this.tcp.destroy(), 5000).unref();
    } else {
      this.tcp.destroy();
    }
    this.opts.onEnd({
      initiator,
      code,
      reason,
      bytesToGuest: this.bytesToGuest,
      bytesToClient: this.bytesToClient,
    });
  }
}
