import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret } from '@nefos/contracts';

export interface StackSecrets {
  adminPassword?: string;
  rapiPassword?: string;
  postgresPassword?: string;
  redisPassword?: string;
}

/** Generated credentials kept in the data dir (mode 600) so a restart reuses them. */
export class SecretsStore {
  private readonly file: string;
  private data: StackSecrets;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, 'secrets.json');
    this.data = existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, 'utf8')) as StackSecrets)
      : {};
  }

  get(key: keyof StackSecrets): string | undefined {
    return this.data[key];
  }

  /** The configured value when there is one, else the stored one, else a new one (stored). */
  resolve(key: keyof StackSecrets, configured: string | undefined): string {
    if (configured) return configured;
    const existing = this.data[key];
    if (existing) return existing;
    const fresh = generateSecret(20);
    this.data = { ...this.data, [key]: fresh };
    writeFileSync(this.file, JSON.stringify(this.data, null, 2) + '\n', { mode: 0o600 });
    return fresh;
  }

  set(key: keyof StackSecrets, value: string): void {
    this.data = { ...this.data, [key]: value };
    writeFileSync(this.file, JSON.stringify(this.data, null, 2) + '\n', { mode: 0o600 });
  }
}
