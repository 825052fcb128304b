import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../test/support/test-env';
import { createTestApiApp } from '../../test/support/api-app';
import { testPrisma } from '../../test/support/identity-fixtures';
import {
  C,
  caller,
  insertServer,
  seedCompute,
  type Caller,
} from '../../test/compute/compute-fixtures';

/** Odd input a client can send: every answer is a 4xx OpenStack fault, never a 500. */
describe('compute API robustness', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;
  let id: string;

  beforeAll(async () => {
    env = await createTestEnv({ NEFOS_RAPI_TIMEOUT_MS: '500', NEFOS_RAPI_RETRIES: '0' });
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
    id = await insertServer(prisma, member);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  const gets = [
    '/servers?name=(?<n>a)',
    '/servers?name=a{2,1}',
    '/servers?ip=[',
    '/servers?name=x&name=y',
    '/servers?limit=99999999999999999999999',
    '/servers?limit=1.5',
    '/servers?marker=',
    '/servers?changes-since=2020-13-45T99:99:99Z',
    '/servers?status[]=ACTIVE',
    '/servers?flavor[a]=1',
    '/servers?all_tenants=1',
    '/servers/%E0%A4%A',
    '/servers/../../etc/passwd',
    '/servers/' + 'a'.repeat(5000),
    '/flavors?minRam=-1',
    '/flavors?minDisk=1e3',
    '/flavors/%00',
    '/images?changes-since=never',
    '/images?status=ACTIVE&status=SAVING',
    '/os-keypairs/%2F..',
    '/limits?tenant_id[]=x',
    '/servers?name=%00',
    '/os-keypairs/a%00b',
  ];
  it.each(gets)('GET %s answers a fault, not a 500', async (path) => {
    const res = await member.get(`${C}${path}`);
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) {
      const [name] = Object.keys(res.body);
      expect(res.body[name]).toMatchObject({ code: res.status, message: expect.any(String) });
    }
  });

  const bodies: Array<[string, string, unknown]> = [
    ['POST', '/servers', { server: null }],
    ['POST', '/servers', { server: [] }],
    ['POST', '/servers', { server: { name: 'a', imageRef: null, flavorRef: null } }],
    ['POST', '/servers', { server: { name: 'a', imageRef: 'x'.repeat(3000), flavorRef: '1' } }],
    ['POST', '/servers', { server: { name: 'a', imageRef: '', flavorRef: '1' } }],
    ['POST', '/servers', { server: { name: 'a', imageRef: 'http://x/images/', flavorRef: -1 } }],
    [
      'POST',
      '/servers',
      { server: { name: 'a', imageRef: 'x', flavorRef: '1', networks: 'auto' } },
    ],
    [
      'POST',
      '/servers',
      {
        server: { name: 'a', imageRef: 'x', flavorRef: '1', networks: [{ fixed_ip: '10.99.0.5' }] },
      },
    ],
    [
      'POST',
      '/servers',
      { server: { name: 'a', imageRef: 'x', flavorRef: '1', user_data: '!!!' } },
    ],
    ['POST', '/servers', { server: { name: 'a', imageRef: 'x', flavorRef: '1', max_count: 1e9 } }],
    [
      'POST',
      '/servers',
      { server: { name: 'a', imageRef: 'x', flavorRef: '1', metadata: { '': 'x' } } },
    ],
    ['POST', '/servers', { server: { name: '\u202e', imageRef: 'x', flavorRef: '1' } }],
    ['PUT', '/servers/{id}', { server: null }],
    ['PUT', '/servers/{id}', 'string body'],
    ['PUT', '/servers/{id}', { server: { accessIPv6: '::ffff:999.1.1.1' } }],
    ['POST', '/servers/{id}/action', { reboot: null }],
    ['POST', '/servers/{id}/action', { __proto__: { reboot: {} } }],
    ['POST', '/servers/{id}/action', { constructor: {} }],
    ['POST', '/servers/{id}/action', { toString: null }],
    ['POST', '/servers/{id}/action', { resize: { flavorRef: 'x'.repeat(300) } }],
    ['POST', '/servers/{id}/action', { rebuild: { imageRef: 'not-an-image' } }],
    ['POST', '/servers/{id}/metadata', { metadata: [] }],
    ['POST', '/servers/{id}/metadata', { metadata: { a: null } }],
    ['PUT', '/servers/{id}/metadata/k', { meta: null }],
    [
      'POST',
      '/os-keypairs',
      { keypair: { name: 'k', public_key: 'ssh-rsa ' + 'A'.repeat(20000) } },
    ],
    [
      'POST',
      '/os-keypairs',
      { keypair: { name: 'k', public_key: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAAQ==' } },
    ],
    ['POST', '/flavors', { flavor: { name: 'f', ram: 1e20, vcpus: 1, disk: 1 } }],
    [
      'POST',
      '/servers',
      { server: { name: 'a', imageRef: 'x', flavorRef: '1', key_name: 'a\u0000b' } },
    ],
    ['POST', '/servers/{id}/metadata', { metadata: { k: 'v\u0000' } }],
  ];
  it.each(bodies)('%s %s with %j answers a 4xx fault', async (method, path, body) => {
    const url = `${C}${path.replace('{id}', id)}`;
    const req = method === 'POST' ? member.post(url) : member.put(url);
    const res =
      typeof body === 'string'
        ? await req.set('Content-Type', 'application/json').send(JSON.stringify(body))
        : await req.send(body as object);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('refuses a body over the size limit with 413 and a wrong content type with 4xx', async () => {
    const big = await member
      .post(`${C}/servers`)
      .set('Content-Type', 'application/json')
      .send(`{"x":"${'a'.repeat(2 << 20)}"}`);
    expect(big.status).toBe(413);
    const text = await member.post(`${C}/servers`).set('Content-Type', 'text/plain').send('server');
    expect(text.status).toBeGreaterThanOrEqual(400);
    expect(text.status).toBeLessThan(500);
  });
});
