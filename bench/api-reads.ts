import autocannon from 'autocannon';
import { Pool } from 'pg';
import { cli, num } from './support/cli';
import { onCleanup, runBench } from './support/lifecycle';
import { progress, report, type Figure } from './support/report';
import { seedServers } from './support/seed-servers';
import { benchProject, computeCall, startStack } from './support/stack';
import { closedLoop, percentile, sleep } from './support/stats';

const BENCH = 'reads';

const args = cli(
  'npm run bench:reads -- [options]\n\nGET /servers/detail?limit=1000 (every page) and GET /servers/{id} of a project with N servers\nseeded in the database, at several connection counts, against the raw Postgres query that\nfetches the same rows.',
  {
    servers: { type: 'string', default: '10000', help: 'servers seeded in the project' },
    connections: { type: 'string', default: '1,8,32', help: 'connection counts' },
    duration: { type: 'string', default: '10', help: 'seconds per measurement' },
    warmup: { type: 'string', default: '2', help: 'seconds of warm-up before each measurement' },
    cases: { type: 'string', default: 'detail_page,show', help: 'what to measure' },
  },
);

const PAGE = 1000;

/** The rows one page (or one server) of the detail view shows, in one query: the floor. */
const ROWS_SQL = (where: string): string => `
  SELECT s.*,
    (SELECT coalesce(json_agg(json_build_object('key', m."key", 'value', m."value") ORDER BY m."key"), '[]')
       FROM "ServerMetadata" m WHERE m."serverId" = s."id") AS metadata,
    (SELECT coalesce(json_agg(json_build_object('id', p."id", 'mac', p."macAddress", 'network', n."name",
        'addresses', (SELECT coalesce(json_agg(json_build_object('addr', a."address", 'version', sn."ipVersion")
                       ORDER BY a."createdAt"), '[]')
                      FROM "IpAddress" a JOIN "Subnet" sn ON sn."id" = a."subnetId" WHERE a."portId" = p."id"))
        ORDER BY p."nicIndex", p."createdAt"), '[]')
       FROM "Port" p JOIN "Network" n ON n."id" = p."networkId" WHERE p."serverId" = s."id") AS ports,
    (SELECT coalesce(json_agg(v."volumeId"), '[]') FROM "VolumeAttachment" v WHERE v."serverId" = s."id") AS volumes
  FROM "Server" s WHERE ${where}`;

interface Measured {
  rate: number;
  p50: number;
  p99: number;
}

async function api(
  url: string,
  token: string,
  paths: string[],
  connections: number,
  seconds: number,
): Promise<Measured> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    // a 1,000-row page at 32 connections on two cores waits well past autocannon's 10 s default
    timeout: 120,
    headers: { 'X-Auth-Token': token, Accept: 'application/json' },
    requests: paths.map((path) => ({ method: 'GET', path })),
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${paths[0]}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return { rate: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function raw(
  pg: Pool,
  queries: Array<{ text: string; values: unknown[] }>,
  connections: number,
  seconds: number,
  expectRows: (n: number) => boolean,
): Promise<Measured> {
  const next = Array.from({ length: connections }, () => 0);
  let worker = 0;
  const r = await closedLoop(connections, seconds * 1000, async () => {
    const w = worker++ % connections;
    const q = queries[next[w]++ % queries.length];
    const res = await pg.query(q.text, q.values);
    if (!expectRows(res.rowCount ?? 0)) throw new Error(`unexpected ${res.rowCount} rows`);
  });
  if (r.errors > 0) throw new Error(`${r.errors} raw queries failed`);
  return {
    rate: r.latencies.length / r.seconds,
    p50: percentile(r.latencies, 50)!,
    p99: percentile(r.latencies, 99)!,
  };
}

async function main(): Promise<void> {
  const servers = num('servers', args.servers);
  const conns = args.connections!.split(',').map((c) => num('connections', c));
  const duration = num('duration', args.duration);
  const warmup = num('warmup', args.warmup, 0);
  const stack = await startStack(BENCH, { processes: ['api'] });
  const project = await benchProject(stack.prisma, 'bench-reads');
  progress(BENCH, `seeding ${servers} servers`);
  await seedServers(stack.prisma, { ...project, count: servers });

  // The pages a client walks with markers, and the same rows for the raw query.
  const order = await stack.prisma.server.findMany({
    where: { projectId: project.projectId, deleted: false },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: { id: true, createdAt: true },
  });
  const pagePaths: string[] = [];
  const pageQueries: Array<{ text: string; values: unknown[] }> = [];
  for (let i = 0; i < order.length; i += PAGE) {
    const marker = i === 0 ? null : order[i - 1];
    pagePaths.push(
      `/compute/v2.1/servers/detail?limit=${PAGE}${marker ? `&marker=${marker.id}` : ''}`,
    );
    pageQueries.push({
      text:
        ROWS_SQL(
          `s."projectId" = $1 AND NOT s."deleted"${marker ? ` AND (s."createdAt", s."id") < ($2::timestamptz, $3::uuid)` : ''}`,
        ) + ` ORDER BY s."createdAt" DESC, s."id" DESC LIMIT ${PAGE}`,
      values: marker ? [project.projectId, marker.createdAt, marker.id] : [project.projectId],
    });
  }
  const sampleIds = order.filter((_, i) => i % Math.max(1, Math.floor(order.length / 1000)) === 0);
  const showPaths = sampleIds.map((s) => `/compute/v2.1/servers/${s.id}`);
  const showQueries = sampleIds.map((s) => ({
    text: ROWS_SQL(`s."id" = $1::uuid AND s."projectId" = $2 AND NOT s."deleted"`),
    values: [s.id, project.projectId],
  }));

  // Sanity: the API answers what the seed holds.
  const first = await computeCall<{ servers: unknown[] }>(
    stack.apiUrl,
    project.token,
    'GET',
    '/servers/detail?limit=1000',
  );
  if (first.status !== 200 || first.body.servers.length !== Math.min(PAGE, servers)) {
    throw new Error(`GET /servers/detail: ${first.status}, ${first.body.servers?.length} servers`);
  }

  const pg = new Pool({ connectionString: stack.db.url, max: Math.max(...conns) });
  onCleanup('raw Postgres pool', () => pg.end());
  const figures: Figure[] = [];
  const cases = [
    { key: 'detail_page', paths: pagePaths, queries: pageQueries, rows: (n: number) => n > 0 },
    { key: 'show', paths: showPaths, queries: showQueries, rows: (n: number) => n === 1 },
  ];
  const wanted = args.cases!.split(',');
  const unknown = wanted.filter((w) => !cases.some((c) => c.key === w));
  if (unknown.length) throw new Error(`--cases: unknown ${unknown.join(', ')}`);
  for (const c of cases.filter((x) => wanted.includes(x.key))) {
    for (const n of conns) {
      progress(
        BENCH,
        `${c.key} at ${n} connection(s): API, then raw Postgres (${duration} s each)`,
      );
      if (warmup) await api(stack.apiUrl, project.token, c.paths, n, warmup);
      const a = await api(stack.apiUrl, project.token, c.paths, n, duration);
      await sleep(500);
      if (warmup) await raw(pg, c.queries, n, warmup, c.rows);
      const r = await raw(pg, c.queries, n, duration, c.rows);
      progress(
        BENCH,
        `${c.key} c${n}: API ${a.rate.toFixed(1)} req/s p50 ${a.p50} ms; raw ${r.rate.toFixed(1)} q/s p50 ${r.p50.toFixed(1)} ms`,
      );
      const floorName = `raw Postgres, ${n} conn`;
      figures.push(
        {
          figure: `${c.key}.c${n}.req_per_s`,
          value: a.rate,
          unit: 'req/s',
          floor: r.rate,
          floorName,
        },
        { figure: `${c.key}.c${n}.p50`, value: a.p50, unit: 'ms', floor: r.p50, floorName },
        { figure: `${c.key}.c${n}.p99`, value: a.p99, unit: 'ms', floor: r.p99, floorName },
      );
    }
  }
  report(BENCH, `API reads, one project with ${servers} servers`, figures, {
    servers,
    connections: conns,
    duration,
    pageSize: PAGE,
    cases: wanted,
  });
}

runBench(BENCH, main);
