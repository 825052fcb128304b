import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import request from 'supertest';
import {
  DEAD_LETTER_QUEUE,
  EventJobName,
  QueueName,
  bullConnection,
  deadLetterJobId,
} from '@nefos/contracts';
import { seed, type PrismaClient } from '@nefos/database';
import { createTestApiApp } from '../../test/support/api-app';
import {
  createTestIdentity,
  testPrisma,
  type TestIdentity,
} from '../../test/support/identity-fixtures';
import { createTestEnv, type TestEnv } from '../../test/support/test-env';

const SERVERS = 10_000;
const REQ = 'req-0b0b0b0b-1111-4222-8333-444455556666';

/**
 * The admin API and the API's /metrics against a real database holding 10,000 servers on two
 * backends. The backends' RAPI does not answer here (nothing listens on their ports), so capacity
 * comes from the node rows as last read; the e2e tests cover the live master.
 */
describe('admin API at 10,000 servers', () => {
  let env: TestEnv;
  let prisma: PrismaClient;
  let app: NestExpressApplication;
  let admin: TestIdentity;
  let member: TestIdentity;
  let deadQueue: Queue;
  let opQueue: Queue;
  const timings: Record<string, number> = {};

  const get = (path: string, token = admin.token) =>
    request(app.getHttpServer()).get(path).set('X-Auth-Token', token);
  const timed = async (name: string, path: string) => {
    const started = performance.now();
    const res = await get(path);
    timings[name] = Math.round(performance.now() - started);
    return res;
  };

  beforeAll(async () => {
    env = await createTestEnv({
      NEFOS_RAPI_RETRIES: '0',
      NEFOS_RAPI_TIMEOUT_MS: '2000',
      NEFOS_STUCK_AFTER: '600',
    });
    prisma = testPrisma(env.databaseUrl);
    await seed(prisma, env.config, {
      adminPassword: 'test-admin-password',
      rapiPassword: 'test-rapi-password',
      backendHypervisor: 'fake',
    });
    admin = await createTestIdentity(prisma, { roles: ['admin'] });
    member = await createTestIdentity(prisma, { roles: ['member'], projectName: 'ops-tenant' });
    // The seeded backend points at a RAPI port nothing listens on; a second backend beside it.
    const b1 = await prisma.backend.findFirstOrThrow();
    const b2 = await prisma.backend.create({
      data: {
        name: 'zone-b',
        rapiUrl: 'https://127.0.0.1:9',
        rapiUser: 'nefos',
        rapiPassword: 'x',
        drained: true,
      },
    });
    await prisma.backendNode.createMany({
      data: [
        {
          backendId: b1.id,
          name: 'node1',
          ctotal: 8,
          mtotal: 16384,
          mfree: 8192,
          dtotal: 100000,
          dfree: 40000,
          pinstCnt: 5,
        },
        {
          backendId: b2.id,
          name: 'node2',
          ctotal: 4,
          mtotal: 8192,
          mfree: 1024,
          dtotal: 50000,
          dfree: 100,
          pinstCnt: 1,
          drained: true,
        },
      ],
    });
    // 10,000 servers: states cycle, every 100th on zone-b, the first 7 BUILD ones stuck for an hour.
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Server" ("id", "name", "projectId", "userId", "flavorId", "backendId", "instanceName",
         "hostNode", "operstate", "task", "createdAt", "updatedAt")
       SELECT gen_random_uuid(), 'srv-' || lpad(i::text, 5, '0'), $1, $2, $5,
         CASE WHEN i % 100 = 0 THEN $4::uuid ELSE $3::uuid END,
         'nefos-x-' || i, CASE WHEN i % 100 = 0 THEN 'node2' ELSE 'node1' END,
         (ARRAY['BUILD','STARTED','STOPPED','ERROR']::"OperState"[])[1 + i % 4],
         CASE WHEN i % 4 = 2 AND i % 3 = 0 THEN 'powering-on' END,
         now() - make_interval(secs => CASE WHEN i % 4 = 0 AND i <= 28 THEN 3600 ELSE i / 100.0 END),
         now() - make_interval(secs => CASE WHEN i % 4 = 0 AND i <= 28 THEN 3600 ELSE i / 100.0 END)
       FROM generate_series(1, ${SERVERS}) AS i`,
      member.projectId,
      member.userId,
      b1.id,
      b2.id,
      (await prisma.flavor.findUniqueOrThrow({ where: { name: 'm1.tiny' } })).id,
    );
    app = await createTestApiApp(env);
    const connection = bullConnection(env.config);
    deadQueue = new Queue(DEAD_LETTER_QUEUE, { connection, prefix: env.config.redis.prefix });
    opQueue = new Queue(QueueName.Op, { connection, prefix: env.config.redis.prefix });
  });

  afterAll(async () => {
    process.stdout.write(
      `admin API timings at ${SERVERS} servers (ms): ${JSON.stringify(timings)}\n`,
    );
    await deadQueue?.close();
    await opQueue?.close();
    await app?.close();
    await prisma?.$disconnect();
    await env?.cleanup();
  });

  describe('GET /admin/api/servers', () => {
    it('pages through every server exactly once with the marker', async () => {
      const seen = new Set<string>();
      let marker: string | null = null;
      let pages = 0;
      do {
        const res = await timed(
          `page${pages}`,
          `/admin/api/servers?limit=500${marker ? `&marker=${marker}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.total).toBe(SERVERS);
        for (const s of res.body.servers) seen.add(s.id);
        marker = res.body.next;
        pages++;
      } while (marker);
      expect(pages).toBe(SERVERS / 500);
      expect(seen.size).toBe(SERVERS);
    });

    it('filters by state, backend, node, project name and name fragment', async () => {
      const error = await timed('state=ERROR', '/admin/api/servers?state=ERROR&limit=10');
      expect(error.body.total).toBe(SERVERS / 4);
      expect(error.body.servers.every((s: { status: string }) => s.status === 'ERROR')).toBe(true);
      const zoneB = await get('/admin/api/servers?backend=zone-b&limit=500');
      expect(zoneB.body.total).toBe(SERVERS / 100);
      expect(zoneB.body.servers[0]).toMatchObject({
        backend: 'zone-b',
        node: 'node2',
        projectName: 'ops-tenant',
      });
      expect((await get('/admin/api/servers?node=node2')).body.total).toBe(SERVERS / 100);
      expect((await get('/admin/api/servers?project=ops-tenant&limit=1')).body.total).toBe(SERVERS);
      const q = await timed('q=srv-0999', '/admin/api/servers?q=srv-0999');
      // Newest first: the higher the number, the older the server.
      expect(q.body.servers.map((s: { name: string }) => s.name)).toEqual(
        Array.from({ length: 10 }, (_, k) => `srv-0999${k}`),
      );
      expect((await get('/admin/api/servers?task=powering-on')).body.total).toBe(
        Array.from({ length: SERVERS }, (_, k) => k + 1).filter((i) => i % 4 === 2 && i % 3 === 0)
          .length,
      );
    });

    it('marks and filters the servers stuck in BUILD past NEFOS_STUCK_AFTER', async () => {
      const res = await timed('stuck=true', '/admin/api/servers?stuck=true');
      expect(res.body.total).toBe(7);
      expect(
        res.body.servers.every(
          (s: { stuck: boolean; operstate: string }) => s.stuck && s.operstate === 'BUILD',
        ),
      ).toBe(true);
      expect(res.body.stuckAfterSeconds).toBe(600);
    });

    it('answers 400 with a fault naming the field for a bad filter, limit or marker', async () => {
      const bad = await get('/admin/api/servers?state=RUNNING');
      expect(bad.status).toBe(400);
      expect(bad.body.badRequest.message).toMatch(/state/);
      expect((await get('/admin/api/servers?limit=0')).body.badRequest.message).toMatch(/limit/);
      expect((await get('/admin/api/servers?colour=red')).status).toBe(400);
      expect(
        (await get(`/admin/api/servers?marker=${randomUUID()}`)).body.badRequest.message,
      ).toMatch(/marker/);
    });

    it('refuses a member (403) and a request without a token (401)', async () => {
      const refused = await get('/admin/api/servers', member.token);
      expect(refused.status).toBe(403);
      expect(refused.body.forbidden.message).toMatch(/admin:servers:list/);
      expect((await request(app.getHttpServer()).get('/admin/api/overview')).status).toBe(401);
    });
  });

  describe('GET /admin/api/servers/{ref}/trail', () => {
    it("groups a server's trail by request id, from the API call to the state change", async () => {
      const s = await prisma.server.findFirstOrThrow({ where: { name: 'srv-00002' } });
      const lines = [
        { source: 'api', requestId: REQ, message: 'create requested' },
        {
          source: 'rapi',
          requestId: REQ,
          jobId: 41,
          opcode: 'OP_INSTANCE_CREATE',
          status: 'queued',
          message: 'submitted',
        },
        {
          source: 'event',
          requestId: REQ,
          jobId: 41,
          opcode: 'OP_INSTANCE_CREATE',
          status: 'success',
          message: 'success',
        },
        {
          source: 'state',
          requestId: REQ,
          jobId: 41,
          opcode: 'OP_INSTANCE_CREATE',
          status: 'success',
          message: 'BUILD -> STARTED',
        },
        { source: 'reconcile', requestId: null, message: 'in sync' },
      ];
      for (const l of lines) await prisma.serverTrail.create({ data: { serverId: s.id, ...l } });
      const res = await get(`/admin/api/servers/${s.instanceName}/trail?jobs=false`);
      expect(res.status).toBe(200);
      expect(res.body.server.id).toBe(s.id);
      expect(res.body.entries).toHaveLength(5);
      expect(res.body.requests[0]).toMatchObject({
        requestId: REQ,
        jobIds: [41],
        sources: ['api', 'rapi', 'event', 'state'],
      });
      expect(res.body.requests[1]).toMatchObject({ requestId: null, sources: ['reconcile'] });
      expect((await get(`/admin/api/servers/${randomUUID()}/trail`)).status).toBe(404);
    });
  });

  describe('GET /admin/api/overview', () => {
    it('counts servers by state and backend, stuck ones, and shows each backend with its nodes', async () => {
      const res = await timed('overview', '/admin/api/overview');
      expect(res.status).toBe(200);
      expect(res.body.servers).toMatchObject({
        total: SERVERS,
        byState: { BUILD: 2500, STARTED: 2500, STOPPED: 2500, ERROR: 2500 },
        stuck: 7,
      });
      expect(res.body.servers.stuckList).toHaveLength(7);
      const zoneB = res.body.backends.find((b: { name: string }) => b.name === 'zone-b');
      expect(zoneB).toMatchObject({ drained: true, nodes: 1, nodesDrained: 1 });
      // Neither RAPI answers: the capacity refresh failure is reported, not thrown.
      expect(res.body.problems.join('\n')).toMatch(/capacity of nefos-local/);
      expect(res.body.queues[QueueName.Op]).toMatchObject({ waiting: 0, failed: 0 });
    });
  });

  describe('/admin/api/dead-letters', () => {
    it('lists a dead letter, replays it onto its queue under its original id, and drops another', async () => {
      const message = {
        type: 'op',
        cluster: 'nefos-local',
        jobId: 77,
        operation: 'OP_INSTANCE_STARTUP',
        status: 'success',
        eventTime: [1, 0],
        instance: 'nefos-x',
        requestId: REQ,
      };
      for (const jobId of ['nefos-local-77-0-success', 'nefos-local-78-0-success']) {
        await deadQueue.add(
          EventJobName.DeadLetter,
          {
            queue: QueueName.Op,
            jobId,
            name: 'op',
            data: message,
            failedReason: 'boom',
            reason: 'exhausted',
            attemptsMade: 8,
            failedAt: new Date().toISOString(),
          },
          { jobId: deadLetterJobId(QueueName.Op, jobId) },
        );
      }
      const list = await get('/admin/api/dead-letters');
      expect(list.body.total).toBe(2);
      expect(list.body.deadLetters[0]).toMatchObject({
        queue: 'events.op',
        jobId: 'nefos-local-77-0-success',
        reason: 'exhausted',
        readable: true,
      });
      const overview = await get('/admin/api/overview');
      expect(overview.body.deadLetters).toBe(2);

      const id = list.body.deadLetters[0].id as string;
      const replay = await request(app.getHttpServer())
        .post(`/admin/api/dead-letters/${id}/replay`)
        .set('X-Auth-Token', admin.token);
      expect(replay.status).toBe(202);
      expect(replay.body).toEqual({ queue: 'events.op', jobId: 'nefos-local-77-0-success' });
      const requeued = await opQueue.getJob('nefos-local-77-0-success');
      expect(requeued?.data).toEqual(message);

      const other = list.body.deadLetters[1].id as string;
      const drop = await request(app.getHttpServer())
        .delete(`/admin/api/dead-letters/${other}`)
        .set('X-Auth-Token', admin.token);
      expect(drop.status).toBe(204);
      expect((await get('/admin/api/dead-letters')).body.total).toBe(0);
      const again = await request(app.getHttpServer())
        .post(`/admin/api/dead-letters/${id}/replay`)
        .set('X-Auth-Token', admin.token);
      expect(again.status).toBe(404);
    });
  });

  describe('GET /metrics', () => {
    it('reports servers per backend and state (every 100th, all BUILD, on zone-b), stuck servers, capacity and HTTP series by route template', async () => {
      await get(`/admin/api/servers/${randomUUID()}`); // a 404 on a templated route
      const res = await timed('metrics', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
      const text = res.text;
      expect(text).toContain('nefos_servers{backend="nefos-local",state="ERROR"} 2500');
      expect(text).toContain('nefos_servers{backend="zone-b",state="BUILD"} 100');
      expect(text).toContain('nefos_servers_stuck{backend="nefos-local",reason="build"} 7');
      expect(text).toContain('nefos_backend_drained{backend="zone-b"} 1');
      expect(text).toContain(
        `nefos_node_memory_free_bytes{backend="zone-b",node="node2"} ${1024 * 1024 * 1024}`,
      );
      expect(text).toContain('nefos_node_drained{backend="zone-b",node="node2"} 1');
      expect(text).toMatch(/nefos_capacity_refresh_failures_total\{backend="nefos-local"\} [1-9]/);
      expect(text).toMatch(
        /nefos_rapi_request_failures_total\{backend="nefos-local",method="GET",endpoint="\/2\/nodes",reason="network"\} [1-9]/,
      );
      expect(text).toMatch(
        /nefos_http_requests_total\{method="GET",route="\/admin\/api\/servers\/:ref",status="404"\} 1/,
      );
      expect(text).toMatch(
        /nefos_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/admin\/api\/servers",status="200"\} \d+/,
      );
      expect(text).not.toMatch(/route="\/admin\/api\/servers\/[0-9a-f]{8}-/);
      expect(text).toContain('nefos_queue_dead_letters 0');
      expect(() =>
        execFileSync('promtool', ['check', 'metrics'], { input: text, stdio: 'pipe' }),
      ).not.toThrow();
    });

    it('wants the bearer token when NEFOS_METRICS_TOKEN is set', async () => {
      const token = 'metrics-token-0123456789';
      const guarded = await createTestApiApp({
        ...env,
        config: { ...env.config, ops: { ...env.config.ops, metricsToken: token } },
      });
      try {
        const refused = await request(guarded.getHttpServer()).get('/metrics');
        expect(refused.status).toBe(401);
        expect(refused.headers['www-authenticate']).toBeDefined();
        const ok = await request(guarded.getHttpServer())
          .get('/metrics')
          .set('Authorization', `Bearer ${token}`);
        expect(ok.status).toBe(200);
      } finally {
        await guarded.close();
      }
    });
  });

  describe('GET /admin (dashboard) and the OpenAPI document', () => {
    it('serves the page and its modules with a strict CSP, no token needed', async () => {
      const page = await request(app.getHttpServer()).get('/admin');
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(page.text).toContain('/admin/assets/app.js');
      for (const f of ['app.js', 'lib.js', 'views.js', 'view-servers.js']) {
        const asset = await request(app.getHttpServer()).get(`/admin/assets/${f}`);
        expect(asset.status).toBe(200);
        expect(asset.headers['content-type']).toMatch(/javascript/);
        expect(asset.text).not.toMatch(/require\(/); // served as written: ES modules
      }
      expect(
        (await request(app.getHttpServer()).get('/admin/assets/..%2Fadmin.module.ts')).status,
      ).toBe(404);
    });

    it('documents every admin endpoint in /admin/api/openapi.json', async () => {
      const doc = await request(app.getHttpServer()).get('/admin/api/openapi.json');
      expect(doc.status).toBe(200);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining([
          '/admin/api/overview',
          '/admin/api/stream',
          '/admin/api/servers',
          '/admin/api/servers/{ref}/trail',
          '/admin/api/backends/{name}/nodes/{node}',
          '/admin/api/jobs',
          '/admin/api/dead-letters/{id}/replay',
        ]),
      );
      expect(Object.keys(doc.body.paths).every((p) => p.startsWith('/admin/api/'))).toBe(true);
    });
  });
});
