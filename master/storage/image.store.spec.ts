import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ImageStore } from './image.store';

describe('ImageStore.resolve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'images-'));
  const store = new ImageStore(dir, pino({ level: 'silent' }));
  mkdirSync(join(dir, 'tiny'));
  writeFileSync(join(dir, 'tiny', 'vmlinuz'), 'k');
  writeFileSync(join(dir, 'tiny', 'initrd.img'), 'i');
  writeFileSync(
    join(dir, 'tiny', 'image.json'),
    JSON.stringify({ cmdline: 'console=ttyS0 quiet' }),
  );
  mkdirSync(join(dir, 'debian'));
  writeFileSync(join(dir, 'debian', 'disk.qcow2'), 'q');
  mkdirSync(join(dir, 'empty'));

  it('finds kernel and disk images by name, local:// and file:// inside the store', async () => {
    expect(await store.resolve({ img_id: 'tiny' })).toMatchObject({
      kind: 'kernel',
      cmdline: 'console=ttyS0 quiet',
      initrd: join(dir, 'tiny', 'initrd.img'),
    });
    expect(await store.resolve({ img_id: 'local://debian' })).toMatchObject({
      kind: 'qcow2',
      disk: join(dir, 'debian', 'disk.qcow2'),
    });
    expect(await store.resolve({ img_id: `file://${join(dir, 'debian')}` })).toMatchObject({
      kind: 'qcow2',
    });
  });

  it('refuses what is not an image of the store with Ganeti error kinds', async () => {
    await expect(store.resolve({})).rejects.toMatchObject({ kind: 'wrong_input' });
    await expect(store.resolve({ img_id: 'https://example.org/x.img' })).rejects.toMatchObject({
      kind: 'wrong_input',
    });
    await expect(store.resolve({ img_id: '../etc' })).rejects.toMatchObject({
      kind: 'wrong_input',
    });
    await expect(store.resolve({ img_id: 'file:///etc' })).rejects.toMatchObject({
      kind: 'wrong_input',
    });
    await expect(store.resolve({ img_id: 'missing' })).rejects.toMatchObject({
      kind: 'unknown_entity',
    });
    await expect(store.resolve({ img_id: 'empty' })).rejects.toThrow(/neither vmlinuz nor disk/);
  });
});
