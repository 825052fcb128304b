import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Debian puts the server binaries of PostgreSQL under /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const majors = readdirSync(base)
    .filter((d) => /^\d+$/.test(d) && existsSync(`${base}/${d}/bin/postgres`))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length > 0 ? `${base}/${majors[0]}/bin` : null;
}

export function aptInstall(packages: string[], log: (msg: string) => void): void {
  if (!isRoot()) {
    throw new Error(
      `missing ${packages.join(', ')}; install them (apt-get install ${packages.join(' ')}) or run as root`,
    );
  }
  log(`installing ${packages.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = [
    '-o',
    'DPkg::Lock::Timeout=300',
    'install',
    '-y',
    '-q',
    '--no-install-recommends',
    ...packages,
  ];
  try {
    execFileSync('apt-get', args, { stdio: 'inherit', env });
  } catch {
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-q'], {
      stdio: 'inherit',
      env,
    });
    execFileSync('apt-get', args, { stdio: 'inherit', env });
  }
}

/** Resolves when nothing listens on host:port; otherwise rejects with a message naming the setting. */
export function assertPortFree(port: number, host: string, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use; stop what uses it or set ${variable} to another port`
            : `cannot listen on ${host}:${port} (${err.code}); set ${variable}`,
        ),
      );
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

export function spawnChild(
  cmd: string,
  args: string[],
  opts: SpawnOptions,
  onLine: (line: string) => void,
): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  }
  return child;
}

export async function waitFor(
  what: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
  abort?: () => string | null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    const aborted = abort?.();
    if (aborted) throw new Error(`${what}: ${aborted}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 500);
  }
}

/** Sends `signal`, then SIGKILL if the child is still there after `graceMs`. */
export function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Keeps a service's whole output in its log file and shows only its errors (our own readiness
 * probe's "starting up" refusals are expected and not shown).
 */
export function serviceLog(
  file: string,
  name: string,
  log: (m: string) => void,
): (line: string) => void {
  return (line) => {
    appendFileSync(file, line + '\n');
    if (/\b(ERROR|FATAL|PANIC)\b/.test(line) && !/the database system is starting up/.test(line)) {
      log(`${name}: ${line}`);
    }
  };
}
