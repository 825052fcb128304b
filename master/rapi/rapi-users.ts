import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../common/atomic-file';

export const REALM = 'Ganeti Remote API';

export interface RapiUser {
  name: string;
  password: string;
  options: Set<string>;
}

export function ha1(user: string, password: string): string {
  return createHash('md5').update(`${user}:${REALM}:${password}`).digest('hex');
}

/** Ganeti's users file: `user password [read|write[,...]]`, `#` comments. */
export function parseUsersFile(text: string): Map<string, RapiUser> {
  const users = new Map<string, RapiUser>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, password, opts] = line.split(/\s+/, 3);
    if (!name || !password) continue;
    const options = new Set(
      (opts ?? '')
        .split(',')
        .map((o) => o.trim().toLowerCase())
        .filter(Boolean),
    );
    users.set(name, { name, password, options });
  }
  return users;
}

/** Checks a password against `{cleartext}pw`, `{HA1}md5` or a bare cleartext entry. */
export function passwordMatches(user: RapiUser, given: string): boolean {
  const m = /^\{([A-Za-z0-9]+)\}(.*)$/.exec(user.password);
  const scheme = m ? m[1].toUpperCase() : 'CLEARTEXT';
  const stored = m ? m[2] : user.password;
  const expected = scheme === 'HA1' ? stored.toLowerCase() : stored;
  const actual = scheme === 'HA1' ? ha1(user.name, given) : scheme === 'CLEARTEXT' ? given : null;
  if (actual === null) return false;
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The users file, re-read on demand (SIGHUP). A broken file keeps the previous users. */
export class RapiUsers {
  private users = new Map<string, RapiUser>();

  constructor(readonly file: string) {}

  load(): number {
    this.users = existsSync(this.file)
      ? parseUsersFile(readFileSync(this.file, 'utf8'))
      : new Map();
    return this.users.size;
  }

  get(name: string): RapiUser | undefined {
    return this.users.get(name);
  }

  /**
   * Makes sure `user` exists with `password` and write access (first start, or a changed
   * NEFOS_RAPI_PASSWORD); other lines are kept as the operator wrote them.
   */
  ensure(user: string, password: string): boolean {
    const text = existsSync(this.file) ? readFileSync(this.file, 'utf8') : '';
    const current = parseUsersFile(text).get(user);
    if (current && passwordMatches(current, password) && current.options.has('write')) return false;
    const kept = text.split('\n').filter((l) => l.trim() && l.trim().split(/\s+/)[0] !== user);
    const header = text
      ? []
      : ['# Ganeti-style RAPI users: user {HA1}md5(user:realm:password) read|write'];
    writeFileAtomic(
      this.file,
      [...header, ...kept, `${user} {HA1}${ha1(user, password)} write`].join('\n') + '\n',
    );
    return true;
  }
}
