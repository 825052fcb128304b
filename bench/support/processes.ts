import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { projectRoot } from '@nefos/contracts';

export { freePort } from '../../stack/services/process-utils';

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface BenchProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The last 20,000 characters the process wrote (for failure messages). */
  output(): string;
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts a compiled Nefos entry point (`dist/...`) with exactly `env` (plus PATH and HOME). */
export function startEntry(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): BenchProcess {
  const child = spawn(process.execPath, [...nodeArgs, join(projectRoot(), entry)], {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    pid: child.pid!,
    output: () => out,
    async stop(timeoutMs = 30000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `port` accepts connections; fails early (with its output) if the process exits. */
export async function waitForPort(
  p: BenchProcess,
  port: number,
  timeoutMs = 180000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      throw new Error(`${p.name} exited before listening on ${port}:\n${p.output().slice(-4000)}`);
    }
    if (await portOpen(port)) return;
    if (Date.now() > deadline) {
      throw new Error(`${p.name} is not listening on ${port}:\n${p.output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resident set size and its peak (VmHWM) of a process, in bytes, from /proc. */
export function rss(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
  } catch {
    return null;
  }
}

/** CPU seconds a process used itself and through its children that have exited (e.g. hooks). */
export function cpuSeconds(pid: number): { self: number; children: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may contain spaces: state is field 3, utime is 14.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tick = 100; // USER_HZ on Linux
    return {
      self: (Number(f[11]) + Number(f[12])) / tick,
      children: (Number(f[13]) + Number(f[14])) / tick,
    };
  } catch {
    return null;
  }
}

/** CPU seconds the whole machine has been busy (all cores, every process, not only ours). */
export function machineBusySeconds(): number {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = v.map(Number);
  const total = n.slice(0, 8).reduce((s, x) => s + x, 0);
  return (total - n[3] - n[4]) / 100;
}
