import { createServer, type IncomingMessage, type Server } from 'node:http';
import { freePort } from '../services/process-utils';
import { RoundRobinBalancer } from './round-robin.balancer';

interface Seen {
  upstream: string;
  method?: string;
  body: string;
  forwardedFor?: string;
}

/** An upstream that answers with its own name and what it received. */
async function upstream(name: string, seen: Seen[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({
        upstream: name,
        method: req.method,
        body,
        forwardedFor: req.headers['x-forwarded-for'] as string | undefined,
      });
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: first\n\n');
        return; // stays open, as the dashboard's stream does
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
      res.end(JSON.stringify({ upstream: name, body }));
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, port };
}

describe('RoundRobinBalancer', () => {
  const servers: Server[] = [];
  let balancer: RoundRobinBalancer | undefined;
  afterEach(async () => {
    await balancer?.close();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  async function start(ports: number[]): Promise<string> {
    balancer = new RoundRobinBalancer(ports.map((port) => ({ host: '127.0.0.1', port })));
    const port = await freePort();
    await balancer.listen(port, '127.0.0.1');
    return `http://127.0.0.1:${port}`;
  }

  it('sends each request to the next API in turn, with the client in X-Forwarded-For', async () => {
    const seen: Seen[] = [];
    const a = await upstream('a', seen);
    const b = await upstream('b', seen);
    servers.push(a.server, b.server);
    const url = await start([a.port, b.port]);
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/compute/v2.1/servers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n: i }),
      });
      expect(res.status).toBe(200);
      answers.push(res.headers.get('x-upstream')!);
    }
    expect(answers).toEqual(['a', 'b', 'a', 'b']);
    expect(seen.map((s) => JSON.parse(s.body).n)).toEqual([0, 1, 2, 3]);
    expect(seen.every((s) => s.forwardedFor === '127.0.0.1')).toBe(true);
  });

  it('passes over an API that refuses connections and delivers the request to another', async () => {
    const seen: Seen[] = [];
    const a = await upstream('a', seen);
    servers.push(a.server);
    const gone = await freePort();
    const url = await start([gone, a.port]);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/x`, { method: 'POST', body: `payload-${i}` });
      expect(res.status).toBe(200);
    }
    expect(seen.map((s) => [s.upstream, s.body])).toEqual([
      ['a', 'payload-0'],
      ['a', 'payload-1'],
      ['a', 'payload-2'],
    ]);
  });

  it('answers 502 when no API is there', async () => {
    const url = await start([await freePort(), await freePort()]);
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: { code: 502, message: 'no API process answered' } });
  });

  it('streams a response as it is written (server-sent events)', async () => {
    const seen: Seen[] = [];
    const a = await upstream('a', seen);
    servers.push(a.server);
    const url = await start([a.port]);
    const controller = new AbortController();
    const res = await fetch(`${url}/stream`, { signal: controller.signal });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(Buffer.from(value!).toString()).toBe('event: first\n\n');
    controller.abort();
  });
});
