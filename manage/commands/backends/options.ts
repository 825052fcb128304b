import { readFileSync } from 'node:fs';
import { CommandError } from '../base.command';

/** Ganeti's way of saying a flag: `--drained yes|no`. */
export function parseYesNo(flag: string, v: string): boolean {
  const s = v.trim().toLowerCase();
  if (['yes', 'y', 'true', '1', 'on'].includes(s)) return true;
  if (['no', 'n', 'false', '0', 'off'].includes(s)) return false;
  throw new CommandError(`${flag} takes yes or no, not ${JSON.stringify(v)}`);
}

/** A secret from a file (its first line), so it stays out of the process list and history. */
export function readSecretFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CommandError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const line = text.split(/\r?\n/)[0].trim();
  if (!line) throw new CommandError(`${path} is empty`);
  return line;
}

/** An optional yes/no flag. */
export function yesNo(flag: string, v: string | undefined): boolean | undefined {
  return v === undefined ? undefined : parseYesNo(flag, v);
}

export function parsePositive(
  flag: string,
  v: string | undefined,
  max: number,
  dflt: number,
): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new CommandError(`${flag} takes a whole number from 1 to ${max}`);
  }
  return n;
}
