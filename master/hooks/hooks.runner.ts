import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, accessSync, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@nefos/contracts';

export type HookPhase = 'pre' | 'post';

export interface HookResult {
  script: string;
  status: 'success' | 'fail' | 'skip';
  output: string;
}

const VALID_NAME = /^[A-Za-z0-9_-]+$/;
const MAX_OUTPUT = 64 * 1024;

/**
 * Runs `<hooks-dir>/<hpath>-<phase>.d/*` the way Ganeti does: only executables with plain names,
 * in sorted order, stdin from /dev/null, a cleared environment (the GANETI_* variables and PATH).
 */
export class HooksRunner {
  constructor(
    readonly dir: string,
    private readonly timeoutSeconds: number,
    private readonly logger: Logger,
  ) {}

  async run(hpath: string, phase: HookPhase, env: Record<string, string>): Promise<HookResult[]> {
    const dir = join(this.dir, `${hpath}-${phase}.d`);
    if (!existsSync(dir)) return [];
    const results: HookResult[] = [];
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (!VALID_NAME.test(name) || !isExecutableFile(path)) {
        results.push({ script: name, status: 'skip', output: '' });
        continue;
      }
      results.push(await this.runOne(path, name, env));
    }
    return results;
  }

  private runOne(path: string, name: string, env: Record<string, string>): Promise<HookResult> {
    return new Promise((resolve) => {
      const child = spawn(path, [], {
        cwd: '/',
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const collect = (d: Buffer): void => {
        if (output.length < MAX_OUTPUT) output += d.toString();
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      const timer = setTimeout(() => {
        output += `\n(killed after ${this.timeoutSeconds} s)`;
        child.kill('SIGKILL');
      }, this.timeoutSeconds * 1000);
      child.once('error', (err) => {
        clearTimeout(timer);
        resolve({ script: name, status: 'fail', output: err.message });
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        const status = code === 0 ? 'success' : 'fail';
        if (status === 'fail') this.logger.warn({ hook: path, code }, 'hook failed');
        resolve({ script: name, status, output: output.slice(0, MAX_OUTPUT) });
      });
    });
  }
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}
