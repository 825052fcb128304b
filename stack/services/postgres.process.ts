import { chownSync, existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { generateSecret } from '@nefos/contracts';
import {
  aptInstall,
  assertPortFree,
  isRoot,
  postgresBinDir,
  serviceLog,
  spawnChild,
  stopChild,
  waitFor,
} from './process-utils';

export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
}

function postgresUid(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/**
 * Postgres refuses to run as root: when we are root, run its binaries as the `postgres` user
 * (directly, not through runuser, so that our signals reach the postmaster itself).
 */
function postgresIdentity(): { uid?: number; gid?: number } {
  return isRoot() ? postgresUid() : {};
}

/**
 * A private PostgreSQL under `<dir>`: initdb on first use (password auth, a generated password),
 * its own port and socket directory, run in the foreground as our child.
 */
/** The postgres user must be able to traverse every parent of its data dir. */
function assertPostgresCanReach(dir: string): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', parent], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `the postgres user cannot enter ${parent}; make NEFOS_DATA_DIR and its parents world-executable (chmod o+x) or choose another NEFOS_DATA_DIR`,
    );
  }
}

export async function startPrivatePostgres(
  dir: string,
  port: number,
  password: string | undefined,
  log: (m: string) => void,
): Promise<PrivatePostgres & { password: string }> {
  let bin = postgresBinDir();
  if (!bin) {
    aptInstall(['postgresql'], log);
    bin = postgresBinDir();
    if (!bin)
      throw new Error(
        'postgresql is installed but /usr/lib/postgresql/<major>/bin/postgres is missing',
      );
  }
  const data = join(dir, 'data');
  const pw = password ?? generateSecret(24);
  if (isRoot()) assertPostgresCanReach(dir);
  if (!existsSync(join(data, 'PG_VERSION'))) {
    log(`initialising a private PostgreSQL in ${data}`);
    rmSync(data, { recursive: true, force: true });
    mkdirSync(data, { recursive: true, mode: 0o700 });
    const pwfile = join(dir, '.pwfile');
    writeFileSync(pwfile, `${pw}\n`, { mode: 0o600 });
    if (isRoot()) {
      const { uid, gid } = postgresUid();
      chownSync(dir, uid, gid);
      chownSync(data, uid, gid);
      chownSync(pwfile, uid, gid);
    }
    execFileSync(
      join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        'nefos',
        '--auth-local=scram-sha-256',
        '--auth-host=scram-sha-256',
        `--pwfile=${pwfile}`,
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], cwd: dir, ...postgresIdentity() },
    );
    rmSync(pwfile);
  }
  await assertPortFree(port, '127.0.0.1', 'NEFOS_PG_PORT');
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    data,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=300',
    '-c',
    'fsync=on',
    '-c',
    'log_min_messages=warning',
  ];
  let exited: string | null = null;
  const child: ChildProcess = spawnChild(
    join(bin, 'postgres'),
    args,
    { cwd: dir, ...postgresIdentity() },
    serviceLog(join(dir, 'postgres.log'), 'postgres', log),
  );
  child.once('exit', (code, signal) => (exited = `postgres exited (${signal ?? code})`));
  const admin = `postgresql://nefos:${encodeURIComponent(pw)}@127.0.0.1:${port}/postgres`;
  await waitFor(
    'private PostgreSQL',
    60000,
    async () => {
      const c = new Client({ connectionString: admin });
      await c.connect();
      await c.end();
      return true;
    },
    () => exited,
  );
  const c = new Client({ connectionString: admin });
  await c.connect();
  const { rowCount } = await c.query(`SELECT 1 FROM pg_database WHERE datname = 'nefos'`);
  if (!rowCount) await c.query('CREATE DATABASE nefos');
  await c.end();
  return {
    url: `postgresql://nefos:${encodeURIComponent(pw)}@127.0.0.1:${port}/nefos`,
    password: pw,
    // SIGINT is Postgres's "fast" shutdown: it rolls back sessions and checkpoints.
    stop: () => stopChild(child, 'SIGINT', 20000),
  };
}
