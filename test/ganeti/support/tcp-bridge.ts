import { connect, createServer, type Socket } from 'node:net';

export interface TcpBridge {
  port: number;
  close(): Promise<void>;
}

/**
 * Accepts TCP connections on `listenHost` (a free port) and pipes each one to `target`: the test's
 * Redis listens on the host's loopback, which a hook inside the Ganeti namespace cannot reach;
 * it reaches this bridge on the veth's host address instead.
 */
export function startTcpBridge(
  listenHost: string,
  target: { host: string; port: number },
): Promise<TcpBridge> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(target.port, target.host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
