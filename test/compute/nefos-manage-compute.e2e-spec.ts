import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PrismaClient } from '../../libs/database/src';
import { runManage, type CliResult } from '../support/manage-cli';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { createTestApiApp } from '../support/api-app';
import { testPrisma } from '../support/identity-fixtures';
import { C, caller, seedCompute, type Caller } from './compute-fixtures';

/** Runs the compiled `nefos-manage` against the test database. */
const manage = (env: TestEnv, ...args: string[]): Promise<CliResult> => runManage(env.env, ...args);

describe('nefos-manage flavor and image commands', () => {
  let env: TestEnv;
  let prisma: PrismaClient;
  let app: NestExpressApplication;
  let member: Caller;

  beforeAll(async () => {
    env = await createTestEnv();
    prisma = testPrisma(env.databaseUrl);
    await seedCompute(prisma, env);
    app = await createTestApiApp(env);
    member = await caller(app, prisma, ['member']);
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await env.cleanup();
  });

  describe('flavor-create, flavor-list, flavor-delete', () => {
    it('creates a flavor users see through the API, lists it and deletes it by name', async () => {
      const created = await manage(
        env,
        'flavor-create',
        'c1.custom',
        '--vcpus',
        '3',
        '--ram',
        '3072',
        '--disk',
        '30',
        '--id',
        'c1',
        '--json',
      );
      expect(created.code).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({
        id: 'c1',
        name: 'c1.custom',
        vcpus: 3,
        ram_mb: 3072,
        disk_gb: 30,
        public: true,
      });
      expect((await member.get(`${C}/flavors/c1`)).body.flavor).toMatchObject({
        ram: 3072,
        vcpus: 3,
        disk: 30,
      });
      const list = await manage(env, 'flavor-list');
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/c1\s+c1\.custom\s+3\s+3072\s+30/);
      const dup = await manage(
        env,
        'flavor-create',
        'c1.custom',
        '--vcpus',
        '1',
        '--ram',
        '1',
        '--disk',
        '1',
      );
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain('Flavor with name c1.custom already exists.');
      const del = await manage(env, 'flavor-delete', 'c1.custom');
      expect(del.code).toBe(0);
      expect(
        (await member.get(`${C}/flavors`)).body.flavors.map((f: { id: string }) => f.id),
      ).not.toContain('c1');
      expect((await manage(env, 'flavor-delete', 'c1.custom')).code).toBe(1);
    });

    it.each([
      [['--ram', '1', '--disk', '1'], '--vcpus is required'],
      [['--vcpus', 'two', '--ram', '1', '--disk', '1'], '--vcpus must be a whole number'],
      [['--vcpus', '1', '--ram', '0', '--disk', '1'], '--ram must be a whole number of at least 1'],
    ])('refuses %j with a message and exit code 1', async (args, message) => {
      const r = await manage(env, 'flavor-create', 'bad', ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
    });
  });

  describe('image-register, image-list', () => {
    it('registers an entry of the image store with its size and format and users can find it', async () => {
      const entry = join(env.config.master.imageDir, 'debian-12');
      mkdirSync(entry, { recursive: true });
      writeFileSync(join(entry, 'disk.qcow2'), Buffer.alloc(4096));
      const r = await manage(
        env,
        'image-register',
        'Debian 12',
        '--location',
        'debian-12',
        '--min-disk',
        '2',
        '--os-family',
        'linux',
        '--property',
        'os_distro=debian',
        '--property',
        'hw_qemu_guest_agent=yes',
        '--json',
      );
      expect(r.code).toBe(0);
      const image = JSON.parse(r.stdout);
      expect(image).toMatchObject({
        name: 'Debian 12',
        status: 'active',
        visibility: 'public',
        location: 'debian-12',
        disk_format: 'qcow2',
        size: '4096',
        min_disk_gb: 2,
        properties: { os_distro: 'debian', hw_qemu_guest_agent: 'yes' },
      });
      const seen = await member.get(`/image/v2/images?name=${encodeURIComponent('Debian 12')}`);
      expect(seen.body.images[0]).toMatchObject({
        id: image.id,
        disk_format: 'qcow2',
        size: 4096,
        os_distro: 'debian',
      });
      const list = await manage(env, 'image-list');
      expect(list.stdout).toContain('Debian 12');
      expect(list.stdout).toContain('nefos-tiny');
    });

    it('refuses an entry that is not in the image store unless told to skip the check', async () => {
      const r = await manage(env, 'image-register', 'ghost', '--location', 'ghost');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('no entry');
      const skipped = await manage(
        env,
        'image-register',
        'ghost',
        '--location',
        'ghost',
        '--skip-check',
        '--json',
      );
      expect(skipped.code).toBe(0);
      expect((await manage(env, 'image-register', 'x', '--location', '../etc')).stderr).toContain(
        'invalid image store entry',
      );
      expect(
        (await manage(env, 'image-register', 'x', '--location', 'a', '--property', 'novalue'))
          .stderr,
      ).toContain('key=value');
    });
  });
});
