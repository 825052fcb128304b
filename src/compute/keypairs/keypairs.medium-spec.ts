import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '@nefos/database';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { createTestApiApp } from '../../../test/support/api-app';
import { testPrisma } from '../../../test/support/identity-fixtures';
import { C, caller, fault, seedCompute, type Caller } from '../../../test/compute/compute-fixtures';

const SHOW_KEYS = [
  'created_at',
  'deleted',
  'deleted_at',
  'fingerprint',
  'id',
  'name',
  'public_key',
  'updated_at',
  'user_id',
];

describe('os-keypairs', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  let prisma: PrismaClient;
  let member: Caller;
  let other: Caller;
  let reader: Caller;
  let dir: string;

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
    other = await caller(app, prisma, ['member']);
    reader = await caller(app, prisma, ['reader']);
    dir = mkdtempSync(join(tmpdir(), 'nefos-kp-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  describe('POST /os-keypairs', () => {
    it('generates a key pair and returns the private key once', async () => {
      const res = await member.post(`${C}/os-keypairs`, { keypair: { name: 'gen' } });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.keypair).sort()).toEqual([
        'fingerprint',
        'name',
        'private_key',
        'public_key',
        'user_id',
      ]);
      expect(res.body.keypair.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
      expect(res.body.keypair.user_id).toBe(member.userId);
      const file = join(dir, 'gen');
      writeFileSync(file, res.body.keypair.private_key, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
      expect(res.body.keypair.public_key.startsWith(derived)).toBe(true);
      const show = await member.get(`${C}/os-keypairs/gen`);
      expect(show.body.keypair.private_key).toBeUndefined();
    });

    it('imports a public key with the fingerprint ssh-keygen computes', async () => {
      const file = join(dir, 'imported');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me@laptop', '-f', file]);
      const pub = execFileSync('cat', [`${file}.pub`], { encoding: 'utf8' });
      const md5 = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', `${file}.pub`], {
        encoding: 'utf8',
      })
        .split(' ')[1]
        .replace('MD5:', '');
      const res = await member.post(`${C}/os-keypairs`, {
        keypair: { name: 'imported', public_key: pub },
      });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.keypair).sort()).toEqual([
        'fingerprint',
        'name',
        'public_key',
        'user_id',
      ]);
      expect(res.body.keypair.fingerprint).toBe(md5);
      expect(res.body.keypair.public_key).toBe(pub.trim());
    });

    it('refuses a duplicate name with 409', async () => {
      const res = await member.post(`${C}/os-keypairs`, { keypair: { name: 'gen' } });
      expect(res.status).toBe(409);
      expect(fault(res)).toEqual({
        name: 'conflictingRequest',
        code: 409,
        message: "Key pair 'gen' already exists.",
      });
    });

    it('lets another user use the same name', async () => {
      const res = await other.post(`${C}/os-keypairs`, { keypair: { name: 'gen' } });
      expect(res.status).toBe(200);
    });

    it.each([
      [{ keypair: { name: 'bad/name' } }, 'keypair.name'],
      [{ keypair: { name: '' } }, 'keypair.name'],
      [{ keypair: { name: 'x'.repeat(256) } }, 'keypair.name'],
      [{ keypair: { name: 5 } }, 'keypair.name'],
      [{ keypair: { name: 'k', type: 'ssh' } }, "'type'"],
      [{ keypair: { name: 'k', public_key: 'ssh-rsa notbase64!' } }, 'Keypair data is invalid'],
      [{ keypair: { name: 'k', public_key: 'hello' } }, 'Keypair data is invalid'],
      [{}, 'keypair'],
    ])('refuses %j with a 400', async (body, word) => {
      const res = await member.post(`${C}/os-keypairs`, body);
      expect(res.status).toBe(400);
      expect(fault(res).message).toContain(word);
    });

    it('refuses readers with 403', async () => {
      expect((await reader.post(`${C}/os-keypairs`, { keypair: { name: 'r' } })).status).toBe(403);
    });

    it('counts key pairs against the key_pairs quota (403 when full)', async () => {
      const q = await caller(app, prisma, ['member']);
      await prisma.quota.create({
        data: { projectId: q.projectId, resource: 'key_pairs', limit: 1 },
      });
      expect((await q.post(`${C}/os-keypairs`, { keypair: { name: 'one' } })).status).toBe(200);
      const full = await q.post(`${C}/os-keypairs`, { keypair: { name: 'two' } });
      expect(full.status).toBe(403);
      expect(fault(full).message).toContain('Quota exceeded for key_pairs');
      expect((await q.del(`${C}/os-keypairs/one`)).status).toBe(202);
      expect((await q.post(`${C}/os-keypairs`, { keypair: { name: 'two' } })).status).toBe(200);
    });
  });

  describe('GET /os-keypairs', () => {
    it("lists only the caller's key pairs as {keypair: {name, public_key, fingerprint}}", async () => {
      const res = await member.get(`${C}/os-keypairs`);
      expect(res.status).toBe(200);
      expect(
        res.body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name).sort(),
      ).toEqual(['gen', 'imported']);
      for (const k of res.body.keypairs) {
        expect(Object.keys(k.keypair).sort()).toEqual(['fingerprint', 'name', 'public_key']);
      }
    });
  });

  describe('GET /os-keypairs/{name}', () => {
    it('shows exactly the v2.1 keypair keys', async () => {
      const res = await member.get(`${C}/os-keypairs/imported`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.keypair).sort()).toEqual(SHOW_KEYS);
      expect(res.body.keypair.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    });

    it("answers 404 for another user's key pair and for a missing one", async () => {
      expect((await other.get(`${C}/os-keypairs/imported`)).status).toBe(404);
      const res = await member.get(`${C}/os-keypairs/nope`);
      expect(res.status).toBe(404);
      expect(fault(res).name).toBe('itemNotFound');
    });
  });

  describe('DELETE /os-keypairs/{name}', () => {
    it('deletes with 202, then 404', async () => {
      expect((await member.del(`${C}/os-keypairs/imported`)).status).toBe(202);
      expect((await member.del(`${C}/os-keypairs/imported`)).status).toBe(404);
      expect((await member.get(`${C}/os-keypairs/imported`)).status).toBe(404);
    });
  });
});
