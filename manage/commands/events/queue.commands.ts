import { Inject } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { DeadLetterQueue } from '@nefos/contracts';
import { BaseCommand, CommandError, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';

type ListOptions = JsonOption & { limit?: number };

@Command({
  name: 'queue-list-dead',
  description: 'list event messages in the dead-letter queue (malformed, or failed every attempt)',
})
export class QueueListDeadCommand extends BaseCommand<ListOptions> {
  constructor(@Inject(NEFOS_CONFIG) private readonly config: NefosConfig) {
    super();
  }

  protected async execute(_args: string[], o: ListOptions, out: Output): Promise<void> {
    const dead = new DeadLetterQueue(this.config);
    try {
      const entries = await dead.list(o.limit ?? 100);
      out.list(
        entries.map((e) => ({
          id: e.id,
          queue: e.queue,
          job: e.jobId,
          reason: e.reason,
          attempts: e.attemptsMade,
          failed_at: e.failedAt,
          error:
            e.failedReason.length > 120 ? `${e.failedReason.slice(0, 117)}...` : e.failedReason,
          ...(o.json ? { data: e.data, error: e.failedReason } : {}),
        })),
        ['id', 'queue', 'reason', 'attempts', 'failed_at', 'error'],
      );
    } finally {
      await dead.close();
    }
  }

  @Option({ flags: '--limit <n>', description: 'show at most n entries (default 100)' })
  parseLimit(v: string): number {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new CommandError('--limit needs a positive number');
    return n;
  }
}

type RetryOptions = JsonOption & { all?: boolean };

@Command({
  name: 'queue-retry',
  arguments: '[ids...]',
  description: 'put dead-letter messages back on their queue (ids from queue-list-dead, or --all)',
})
export class QueueRetryCommand extends BaseCommand<RetryOptions> {
  constructor(@Inject(NEFOS_CONFIG) private readonly config: NefosConfig) {
    super();
  }

  protected async execute(ids: string[], o: RetryOptions, out: Output): Promise<void> {
    if (!o.all && ids.length === 0) throw new CommandError('give dead-letter ids, or --all');
    const dead = new DeadLetterQueue(this.config);
    try {
      const chosen = o.all ? (await dead.list(100_000)).map((e) => e.id) : ids;
      const rows: Array<Record<string, unknown>> = [];
      for (const id of chosen) {
        const r = await dead.retry(id);
        rows.push(
          r ? { id, requeued: true, queue: r.queue, job: r.jobId } : { id, requeued: false },
        );
      }
      out.list(rows, ['id', 'requeued', 'queue', 'job']);
      const missing = rows.filter((r) => !r.requeued).map((r) => r.id);
      if (missing.length) throw new CommandError(`no dead-letter entry ${missing.join(', ')}`);
    } finally {
      await dead.close();
    }
  }

  @Option({ flags: '--all', description: 'retry every dead-letter message' })
  parseAll(): boolean {
    return true;
  }
}
