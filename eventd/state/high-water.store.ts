import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const stateSchema = z.object({
  version: z.literal(1),
  cluster: z.string(),
  queueDir: z.string(),
  /** Every job file change before this moment (ms since the epoch) has been published. */
  markMs: z.number().nonnegative(),
  updatedAt: z.string(),
});
export type HighWaterState = z.infer<typeof stateSchema>;

/**
 * eventd's persisted high-water mark: on start it re-reads only the job files changed since
 * (less a margin), so jobs that changed while it was down are published and old ones are not.
 * Written atomically (temp file + rename), like the job files themselves.
 */
export class HighWaterStore {
  readonly file: string;

  constructor(
    dir: string,
    private readonly cluster: string,
    private readonly queueDir: string,
  ) {
    this.file = join(dir, 'high-water.json');
  }

  /** The stored mark, or null when there is none (first start) or it belongs to another queue. */
  async load(): Promise<number | null> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return null;
    }
    const parsed = stateSchema.safeParse(raw);
    if (!parsed.success) return null;
    if (parsed.data.cluster !== this.cluster || parsed.data.queueDir !== this.queueDir) return null;
    return parsed.data.markMs;
  }

  async save(markMs: number): Promise<void> {
    const dir = join(this.file, '..');
    await fs.mkdir(dir, { recursive: true });
    const state: HighWaterState = {
      version: 1,
      cluster: this.cluster,
      queueDir: this.queueDir,
      markMs,
      updatedAt: new Date().toISOString(),
    };
    const tmp = `${this.file}.${process.pid}.tmp`;
    const handle = await fs.open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(JSON.stringify(state) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.file);
  }
}
