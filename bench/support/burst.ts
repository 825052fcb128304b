import { RapiClient } from '@nefos/contracts';
import type { PrismaClient } from '@nefos/database';
import { scrape, sum } from './metrics';
import { cpuSeconds, machineBusySeconds } from './processes';
import { progress } from './report';
import type { BenchProject, BenchStack } from './stack';
import { computeCall } from './stack';
import { elapsedMs, ganetiSeconds, pool, sleep } from './stats';

export interface PhaseFigures {
  /** Servers per second from the first request to the last state change in the database. */
  perSecond: number;
  /** The master's own rate for the same jobs (first received_ts to last end_ts). */
  masterPerSecond: number;
  /** Milliseconds of each API answer (202 / 204). */
  answerMs: number[];
  /** Requests answered 503 (backend unreachable, nothing changed) and sent again. */
  retried503: number;
  /** Mean of the API's RAPI calls made for this phase, ms. */
  rapiMeanMs: number | null;
  /** Backend timestamp of each event message to its row update, ms: all messages, successes. */
  eventToDbMs: number[];
  successToDbMs: number[];
  seconds: number;
  /** CPU seconds each Nefos process used during the phase (`master.hooks`: its hook runs). */
  cpu: Record<string, number>;
}

export interface BurstOptions {
  count: number;
  concurrency: number;
  timeoutMs: number;
}

/** A flavor small enough that a thousand fit on eight simulated nodes. */
export async function benchFlavor(
  prisma: PrismaClient,
): Promise<{ flavorRef: string; imageRef: string }> {
  await prisma.flavor.create({
    data: { id: 'bench-nano', name: 'bench.nano', vcpus: 1, ramMb: 64, diskGb: 1 },
  });
  const image = await prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
  return { flavorRef: 'bench-nano', imageRef: image.id };
}

async function waitUntil(
  what: string,
  timeoutMs: number,
  done: () => Promise<{ done: boolean; failed: number; progress: string; why?: string }>,
  bench: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastNote = 0;
  for (;;) {
    const s = await done();
    if (s.failed > 0)
      throw new Error(`${what}: ${s.failed} server(s) failed (${s.progress}): ${s.why ?? ''}`);
    if (s.done) return;
    if (Date.now() > deadline) throw new Error(`${what}: timed out (${s.progress})`);
    if (Date.now() - lastNote > 10000) {
      progress(bench, `${what}: ${s.progress}`);
      lastNote = Date.now();
    }
    await sleep(200);
  }
}

/** Stops the burst; a 5xx comes with the API's last log lines (they name the request id). */
async function failed(
  stack: BenchStack,
  what: string,
  r: { status: number; body: unknown },
): Promise<never> {
  await sleep(1000); // the log line travels through a pipe: let it arrive
  const log = r.status >= 500 ? `\napi log:\n${stack.procs.get('api')?.output().slice(-6000)}` : '';
  throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}${log}`);
}

/** `fn`, called at most once per `ms` (progress lines during a long submit loop). */
function every<A extends unknown[]>(ms: number, fn: (...a: A) => void): (...a: A) => void {
  let last = Date.now();
  return (...a) => {
    if (Date.now() - last < ms) return;
    last = Date.now();
    fn(...a);
  };
}

/** Event-to-row latencies from the dispatcher's trail lines (`at` minus the event's backend time). */
async function eventLatencies(
  prisma: PrismaClient,
  projectId: string,
  opcode: string,
): Promise<{ all: number[]; success: number[] }> {
  const rows = await prisma.$queryRawUnsafe<Array<{ status: string; ms: number }>>(
    `SELECT t."status", (extract(epoch FROM t."at") - ((t."data"->'eventTime'->>0)::float8
        + (t."data"->'eventTime'->>1)::float8 / 1e6)) * 1000 AS ms
       FROM "ServerTrail" t JOIN "Server" s ON s."id" = t."serverId"
      WHERE s."projectId" = $1 AND t."source" = 'event' AND t."opcode" = $2`,
    projectId,
    opcode,
  );
  return {
    all: rows.map((r) => Number(r.ms)),
    success: rows.filter((r) => r.status === 'success').map((r) => Number(r.ms)),
  };
}

/** The instant the last of the project's servers changed state through `opcode`. */
async function lastStateChange(
  prisma: PrismaClient,
  projectId: string,
  opcode: string,
): Promise<number> {
  const [row] = await prisma.$queryRawUnsafe<Array<{ last: Date }>>(
    `SELECT max(t."at") AS last FROM "ServerTrail" t JOIN "Server" s ON s."id" = t."serverId"
      WHERE s."projectId" = $1 AND t."source" = 'state' AND t."opcode" = $2`,
    projectId,
    opcode,
  );
  return row.last.getTime();
}

/** The master's span for these jobs: first received_ts to last end_ts. */
async function masterRate(rapi: RapiClient, names: Set<string>, opcode: string): Promise<number> {
  const jobs = await rapi.listJobs();
  let first = Infinity;
  let last = -Infinity;
  let n = 0;
  for (const j of jobs) {
    const op = (j.ops?.[0] ?? {}) as { OP_ID?: string; instance_name?: string };
    if (op.OP_ID !== opcode || !names.has(String(op.instance_name))) continue;
    n++;
    first = Math.min(first, ganetiSeconds(j.received_ts as [number, number])!);
    last = Math.max(last, ganetiSeconds(j.end_ts as [number, number])!);
  }
  return n / (last - first);
}

/** Running totals of the API's RAPI calls to one endpoint (to take a phase's mean). */
async function rapiTotals(
  stack: BenchStack,
  method: string,
  endpoint: string,
): Promise<{ sum: number; count: number }> {
  const page = await scrape(`${stack.apiUrl}/metrics`);
  const labels = { method, endpoint };
  return {
    sum: sum(page, 'nefos_rapi_request_duration_seconds_sum', labels),
    count: sum(page, 'nefos_rapi_request_duration_seconds_count', labels),
  };
}

function meanMs(
  before: { sum: number; count: number },
  after: { sum: number; count: number },
): number | null {
  const n = after.count - before.count;
  return n > 0 ? ((after.sum - before.sum) / n) * 1000 : null;
}

function cpuTotals(stack: BenchStack): Record<string, number> {
  const out: Record<string, number> = { machine: machineBusySeconds() };
  for (const [name, proc] of stack.procs) {
    const c = cpuSeconds(proc.pid);
    if (!c) continue;
    out[name] = c.self;
    if (name === 'master') out['master.hooks'] = c.children;
  }
  return out;
}

function cpuSince(stack: BenchStack, before: Record<string, number>): Record<string, number> {
  const now = cpuTotals(stack);
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

/**
 * N creates through the API until every server is ACTIVE, then N deletes until every one is gone,
 * with `between` called while the fleet is up (the memory benchmark reads RSS there, the pipeline
 * reports the create phase so that a failure among the deletes does not lose it).
 */
export async function createAndDelete(
  bench: string,
  stack: BenchStack,
  project: BenchProject,
  opts: BurstOptions,
  between: (create: PhaseFigures) => Promise<void> = async () => undefined,
): Promise<{ create: PhaseFigures; remove: PhaseFigures }> {
  const { flavorRef, imageRef } = await benchFlavor(stack.prisma);
  const rapi = new RapiClient({
    url: `https://127.0.0.1:${stack.config.rapi.port}`,
    user: stack.config.rapi.user,
    password: stack.env.NEFOS_RAPI_PASSWORD,
    timeoutMs: 60000,
    retries: 2,
  });
  // A 503 says the backend did not answer and nothing changed, "try again later": a client does,
  // up to five times with a growing pause; the count goes into the figures.
  const retried = { create: 0, delete: 0 };
  const call = async (method: string, path: string, body?: unknown) => {
    for (let attempt = 1; ; attempt++) {
      const r = await computeCall<{ server: { id: string } }>(
        stack.apiUrl,
        project.token,
        method,
        path,
        body,
      );
      if (r.status !== 503 || attempt > 5) return r;
      retried[method === 'POST' ? 'create' : 'delete']++;
      await sleep(2000 * attempt);
    }
  };
  const where = { projectId: project.projectId };

  // ---- creates ----
  progress(bench, `creating ${opts.count} servers through the API (${opts.concurrency} at a time)`);
  const rapiBefore = await rapiTotals(stack, 'POST', '/2/instances');
  const createMs: number[] = [];
  const cpu0 = cpuTotals(stack);
  const t0 = Date.now();
  const note = every(10000, (n: number) => progress(bench, `${n}/${opts.count} creates accepted`));
  const ids = await pool(
    Array.from({ length: opts.count }, (_, i) => i),
    opts.concurrency,
    async (i) => {
      const t = process.hrtime.bigint();
      const r = await call('POST', '/servers', {
        server: { name: `burst-${i}`, flavorRef, imageRef },
      });
      createMs.push(elapsedMs(t));
      if (r.status !== 202) await failed(stack, `create ${i}`, r);
      note(createMs.length);
      return r.body.server.id;
    },
  );
  const rapiAfter = await rapiTotals(stack, 'POST', '/2/instances');
  await waitUntil(
    'all ACTIVE',
    opts.timeoutMs,
    async () => {
      const [active, failed] = await Promise.all([
        stack.prisma.server.count({
          where: { ...where, deleted: false, operstate: 'STARTED', task: null },
        }),
        stack.prisma.server.count({ where: { ...where, operstate: 'ERROR' } }),
      ]);
      const faults = failed
        ? await stack.prisma.server.findMany({
            where: { ...where, operstate: 'ERROR' },
            select: { id: true, faultMessage: true, faultDetails: true },
            take: 3,
          })
        : [];
      return {
        done: active === opts.count,
        failed,
        progress: `${active}/${opts.count} ACTIVE`,
        why: faults.map((f) => `${f.id}: ${f.faultMessage} (${f.faultDetails})`).join('; '),
      };
    },
    bench,
  );
  const createdAt = await lastStateChange(stack.prisma, project.projectId, 'OP_INSTANCE_CREATE');
  const listed = await computeCall<{ servers: Array<{ status: string }> }>(
    stack.apiUrl,
    project.token,
    'GET',
    '/servers/detail?limit=1000',
  );
  if (listed.body.servers.some((s) => s.status !== 'ACTIVE'))
    throw new Error('the API shows servers that are not ACTIVE');
  const names = new Set(ids.map((id) => `${stack.config.compute.instancePrefix}${id}`));
  const createEvents = await eventLatencies(stack.prisma, project.projectId, 'OP_INSTANCE_CREATE');
  const create: PhaseFigures = {
    perSecond: opts.count / ((createdAt - t0) / 1000),
    masterPerSecond: await masterRate(rapi, names, 'OP_INSTANCE_CREATE'),
    answerMs: createMs,
    retried503: retried.create,
    rapiMeanMs: meanMs(rapiBefore, rapiAfter),
    eventToDbMs: createEvents.all,
    successToDbMs: createEvents.success,
    seconds: (createdAt - t0) / 1000,
    cpu: cpuSince(stack, cpu0),
  };

  await between(create);

  // ---- deletes ----
  progress(bench, `deleting ${opts.count} servers through the API (${opts.concurrency} at a time)`);
  const delBefore = await rapiTotals(stack, 'DELETE', '/2/instances/:name');
  const deleteMs: number[] = [];
  const cpu1 = cpuTotals(stack);
  const t1 = Date.now();
  const noteDelete = every(10000, (n: number) =>
    progress(bench, `${n}/${opts.count} deletes accepted`),
  );
  await pool(ids, opts.concurrency, async (id) => {
    const t = process.hrtime.bigint();
    const r = await call('DELETE', `/servers/${id}`);
    deleteMs.push(elapsedMs(t));
    if (r.status !== 204) await failed(stack, `delete ${id}`, r);
    noteDelete(deleteMs.length);
  });
  const delAfter = await rapiTotals(stack, 'DELETE', '/2/instances/:name');
  await waitUntil(
    'all deleted',
    opts.timeoutMs,
    async () => {
      const left = await stack.prisma.server.count({ where: { ...where, deleted: false } });
      return {
        done: left === 0,
        failed: 0,
        progress: `${opts.count - left}/${opts.count} deleted`,
      };
    },
    bench,
  );
  const deletedAt = await lastStateChange(stack.prisma, project.projectId, 'OP_INSTANCE_REMOVE');
  const removeEvents = await eventLatencies(stack.prisma, project.projectId, 'OP_INSTANCE_REMOVE');
  const remove: PhaseFigures = {
    perSecond: opts.count / ((deletedAt - t1) / 1000),
    masterPerSecond: await masterRate(rapi, names, 'OP_INSTANCE_REMOVE'),
    answerMs: deleteMs,
    retried503: retried.delete,
    rapiMeanMs: meanMs(delBefore, delAfter),
    eventToDbMs: removeEvents.all,
    successToDbMs: removeEvents.success,
    seconds: (deletedAt - t1) / 1000,
    cpu: cpuSince(stack, cpu1),
  };
  return { create, remove };
}
