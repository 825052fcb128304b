import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stopChild } from './services/process-utils';

export interface ChildSpec {
  name: string;
  /** Compiled entry point, relative to the checkout. */
  entry: string;
  /** Settings of this process only (a replica's own port). */
  env?: Record<string, string>;
}

interface Running {
  spec: ChildSpec;
  child: ChildProcess | null;
  restarts: number;
  startedAt: number;
  timer?: NodeJS.Timeout;
}

/**
 * Runs the Nefos processes as children, restarts one that dies (with backoff, as an init system
 * would), and stops them all on request. Children inherit our terminal so their logs show as-is.
 */
export class ChildrenSupervisor {
  private readonly running: Running[] = [];
  private stopping = false;

  constructor(
    private readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (msg: string) => void,
    private readonly onGiveUp: (name: string) => void,
  ) {}

  available(specs: ChildSpec[]): ChildSpec[] {
    return specs.filter((s) => existsSync(join(this.root, s.entry)));
  }

  start(spec: ChildSpec): void {
    const r: Running = { spec, child: null, restarts: 0, startedAt: 0 };
    this.running.push(r);
    this.launch(r);
  }

  private launch(r: Running): void {
    r.startedAt = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', join(this.root, r.spec.entry)], {
      cwd: this.root,
      env: { ...this.env, ...r.spec.env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    r.child = child;
    child.once('exit', (code, signal) => {
      r.child = null;
      if (this.stopping) return;
      const quick = Date.now() - r.startedAt < 5000;
      r.restarts = quick ? r.restarts + 1 : 0;
      if (r.restarts >= 5) {
        this.log(`${r.spec.name} keeps failing at start (exit ${signal ?? code}); giving up`);
        this.onGiveUp(r.spec.name);
        return;
      }
      const delay = Math.min(1000 * 2 ** r.restarts, 30000);
      this.log(`${r.spec.name} exited (${signal ?? code}); restarting in ${delay / 1000} s`);
      r.timer = setTimeout(() => this.launch(r), delay);
    });
  }

  /** Stops in reverse start order, each with SIGTERM and then SIGKILL after the grace period. */
  async stopAll(graceMs = 15000): Promise<void> {
    this.stopping = true;
    for (const r of [...this.running].reverse()) {
      if (r.timer) clearTimeout(r.timer);
      if (r.child) await stopChild(r.child, 'SIGTERM', graceMs);
    }
  }
}
