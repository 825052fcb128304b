import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runManage } from '../support/manage-cli';

describe('nefos-manage without a database', () => {
  let dataDir: string;
  beforeAll(() => (dataDir = mkdtempSync(join(tmpdir(), 'nefos-manage-nodb-'))));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('says how to name the database and exits 78 instead of failing silently', async () => {
    const r = await runManage({ NEFOS_DATA_DIR: dataDir }, 'server-list');
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('DATABASE_URL');
    expect(r.stderr).toContain(join(dataDir, 'services.json'));
    expect(r.stdout).toBe('');
  });

  it('names a malformed DATABASE_URL', async () => {
    const r = await runManage(
      { NEFOS_DATA_DIR: dataDir, DATABASE_URL: 'mysql://x' },
      'server-list',
    );
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('DATABASE_URL');
  });
});
