import { Injectable } from '@nestjs/common';
import type { Prisma } from '@nefos/database';

type Tx = Prisma.TransactionClient;

/** What the trail line of a resubmission keeps under `data.resubmit`. */
export interface ResubmitRecord {
  /** The job cut short by the master crash. */
  from: number;
  /** The job that replaced it. */
  to: number;
  /** 1 for the first resubmission of the request, 2 for the next... */
  attempt: number;
}

/** The trail lines that record resubmitted jobs (DESIGN §5: the trail is the server's history). */
@Injectable()
export class ResubmitRepository {
  /** The attempt that created `jobId` (0 when the API submitted it). */
  async attemptOf(tx: Tx, serverId: string, jobId: number): Promise<number> {
    const row = await tx.serverTrail.findFirst({
      where: { serverId, jobId, data: { path: ['resubmit', 'to'], equals: jobId } },
      orderBy: { id: 'desc' },
      select: { data: true },
    });
    const attempt = (row?.data as { resubmit?: Partial<ResubmitRecord> } | null)?.resubmit?.attempt;
    return typeof attempt === 'number' ? attempt : 0;
  }

  /** A `rapi` line as the API writes for its own submissions, with the resubmission facts. */
  async record(
    tx: Tx,
    e: {
      serverId: string;
      requestId: string | null;
      opcode: string;
      message: string;
      resubmit: ResubmitRecord;
      notes: string[];
    },
  ): Promise<void> {
    await tx.serverTrail.create({
      data: {
        serverId: e.serverId,
        source: 'rapi',
        requestId: e.requestId,
        jobId: e.resubmit.to,
        opcode: e.opcode,
        status: 'queued',
        message: e.message,
        data: {
          resubmit: { ...e.resubmit },
          ...(e.notes.length ? { notes: e.notes } : {}),
        },
      },
    });
  }
}
