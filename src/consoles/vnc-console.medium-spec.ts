import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../test/support/test-env';
import { createTestApiApp } from '../../test/support/api-app';
import { testPrisma } from '../../test/support/identity-fixtures';
import {
  C,
  caller,
  fault,
  insertServer,
  seedCompute,
  type Caller,
} from '../../test/compute/compute-fixtures';

/**
 * `os-getVNCConsole` through the API's action route, for everything decided before the backend
 * answers; nothing listens on the RAPI port here. The success path with a real master and guest
 * is test/console/console.e2e-spec.ts.
 */
describe('POST /servers/{id}/action {"os-getVNCConsole"}', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;
  let other: Caller;
  let reader: Caller;
  const vnc = (who: Caller, id: string, value: unknown) =>
    who.post(`${C}/servers/${id}/action`, { 'os-getVNCConsole': value });

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_RAPI_TIMEOUT_MS: '1000', NEFOS_RAPI_RETRIES: '0' });
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
    other = await caller(app, prisma, ['member']);
    reader = await caller(app, prisma, ['reader']);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  it.each([
    [{ type: 'spice-html5' }, 'os-getVNCConsole.type'],
    [{}, 'os-getVNCConsole.type'],
    [{ type: 'novnc', password: 'x' }, 'password'],
    [null, 'os-getVNCConsole'],
  ])('refuses %j with 400 naming the problem', async (value, words) => {
    const id = await insertServer(prisma, member);
    const res = await vnc(member, id, value);
    expect(res.status).toBe(400);
    expect(fault(res)).toMatchObject({
      name: 'badRequest',
      message: expect.stringContaining(words),
    });
  });

  it('answers 400 for xvpvnc with a clear message', async () => {
    const id = await insertServer(prisma, member);
    const res = await vnc(member, id, { type: 'xvpvnc' });
    expect(res.status).toBe(400);
    expect(fault(res).message).toMatch(/Unavailable console type xvpvnc.*novnc/);
  });

  it("answers 404 for another project's server and 403 for a reader", async () => {
    const id = await insertServer(prisma, member);
    expect((await vnc(other, id, { type: 'novnc' })).status).toBe(404);
    expect((await vnc(reader, id, { type: 'novnc' })).status).toBe(403);
  });

  it.each(['STOPPED', 'BUILD', 'ERROR'] as const)(
    'answers 409 for a %s server',
    async (operstate) => {
      const id = await insertServer(prisma, member, { operstate });
      const res = await vnc(member, id, { type: 'novnc' });
      expect(res.status).toBe(409);
      expect(fault(res)).toMatchObject({
        name: 'conflictingRequest',
        message: expect.stringContaining('only ACTIVE servers have a console'),
      });
    },
  );

  it('answers 503 and mints nothing when the backend does not answer', async () => {
    const id = await insertServer(prisma, member);
    const res = await vnc(member, id, { type: 'novnc' });
    expect(res.status).toBe(503);
    expect(fault(res).name).toBe('serviceUnavailable');
    expect(await prisma.consoleToken.count({ where: { serverId: id } })).toBe(0);
  });
});
