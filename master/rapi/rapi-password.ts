import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret, type NefosConfig } from '@nefos/contracts';
import { writeFileAtomic } from '../common/atomic-file';

/**
 * The RAPI password: NEFOS_RAPI_PASSWORD, else the one stored in the data dir's secrets file
 * (shared with `npm start`), else a new one that is stored there.
 */
export function ensureRapiPassword(s: NefosConfig): {
  value: string;
  generated: boolean;
  file: string;
} {
  const file = join(s.dataDir, 'secrets.json');
  if (s.rapi.password) return { value: s.rapi.password, generated: false, file };
  const secrets = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)
    : {};
  if (secrets.rapiPassword) return { value: secrets.rapiPassword, generated: false, file };
  const value = generateSecret(20);
  writeFileAtomic(file, JSON.stringify({ ...secrets, rapiPassword: value }, null, 2) + '\n', 0o600);
  return { value, generated: true, file };
}
