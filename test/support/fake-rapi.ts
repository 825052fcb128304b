import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeNode {
  name: string;
  ctotal: number;
  mtotal: number;
  mfree: number;
  dtotal: number;
  dfree: number;
  drained?: boolean;
  offline?: boolean;
}

export interface RapiCall {
  method: string;
  path: string;
  body: unknown;
}

/**
 * A stand-in for a cluster's RAPI at the HTTP boundary, for medium tests that need several
 * backends without running masters: it reports the nodes it was given, accepts every write with a
 * new job id (or refuses creates when told to), and records each call. The e2e tests drive real
 * masters.
 */
export class FakeRapi {
  readonly calls: RapiCall[] = [];
  refuseCreates = false;
  private nextJob = 1;
  private server: Server | null = null;

  constructor(
    readonly cluster: string,
    public nodes: FakeNode[],
  ) {}

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Creates accepted so far (`POST /2/instances`). */
  get creates(): RapiCall[] {
    return this.calls.filter((c) => c.method === 'POST' && c.path === '/2/instances');
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        const path = (req.url ?? '/').split('?')[0];
        const body: unknown = text ? JSON.parse(text) : null;
        this.calls.push({ method: req.method ?? 'GET', path, body });
        const [status, answer] = this.answer(req.method ?? 'GET', path);
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private answer(method: string, path: string): [number, unknown] {
    if (method === 'GET' && path === '/version') return [200, 2];
    if (method === 'GET' && path === '/2/info') return [200, { name: this.cluster }];
    if (method === 'GET' && path === '/2/jobs') return [200, []];
    if (method === 'GET' && path === '/2/nodes') {
      return [
        200,
        this.nodes.map((n) => ({
          drained: false,
          offline: false,
          master_candidate: true,
          pinst_cnt: 0,
          sinst_cnt: 0,
          pinst_list: [],
          role: 'M',
          ...n,
        })),
      ];
    }
    if (method === 'POST' && path === '/2/instances' && this.refuseCreates) {
      return [400, { code: 400, message: 'Instance creation refused (test)', explain: '' }];
    }
    if (method !== 'GET' && path.startsWith('/2/instances')) return [200, this.nextJob++];
    return [404, { code: 404, message: `no ${method} ${path} here`, explain: '' }];
  }
}
