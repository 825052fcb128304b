import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_PATHS } from './hook-env';

/** The one executable name Nefos installs in each `<hpath>-post.d/` (Ganeti runs `[A-Za-z0-9_-]+`). */
export const HOOK_SCRIPT_NAME = '50-nefos-events';
/** Settings the hook reads (the master clears its environment); not executed: it has a dot. */
export const HOOK_CONFIG_NAME = 'nefos-hooks.json';

export interface HookSettings {
  redisUrl: string;
  redisPrefix: string;
  /** The backend name events carry (the cluster's name in Nefos, as eventd's `cluster`). */
  cluster: string;
}

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Installs the Nefos post hook into a Ganeti-style hooks dir: a small shell script per hook path
 * that runs the compiled hook with an absolute Node (no PATH in a hook's environment), and the
 * settings file beside them. Idempotent; returns the files written.
 */
export function installHooks(
  dir: string,
  settings: HookSettings,
  runtime: { node: string; entry: string },
): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const configFile = join(dir, HOOK_CONFIG_NAME);
  writeAtomic(configFile, JSON.stringify({ version: 1, ...settings }, null, 2) + '\n', 0o600);
  written.push(configFile);
  const script = [
    '#!/bin/sh',
    '# Installed by `nefos-manage hooks-install`: reports NICs, firewall profiles and build',
    '# progress of the instance to Nefos (events.network / events.progress).',
    `exec ${shellQuote(runtime.node)} ${shellQuote(runtime.entry)} --config ${shellQuote(configFile)}`,
    '',
  ].join('\n');
  for (const hpath of HOOK_PATHS) {
    const d = join(dir, `${hpath}-post.d`);
    mkdirSync(d, { recursive: true });
    const file = join(d, HOOK_SCRIPT_NAME);
    writeAtomic(file, script, 0o755);
    written.push(file);
  }
  return written;
}
