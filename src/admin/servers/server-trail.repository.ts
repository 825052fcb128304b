import { Injectable } from '@nestjs/common';
import { PrismaService, type ServerTrail } from '@nefos/database';

/** Reads the `ServerTrail` rows every process appends to. */
@Injectable()
export class ServerTrailRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The server's trail in the order it was written, at most `limit` rows from the newest back. */
  async forServer(
    serverId: string,
    limit: number,
  ): Promise<{ rows: ServerTrail[]; truncated: boolean }> {
    const rows = await this.prisma.serverTrail.findMany({
      where: { serverId },
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    const truncated = rows.length > limit;
    return { rows: (truncated ? rows.slice(0, limit) : rows).reverse(), truncated };
  }

  /** Every trail row of one request, across servers (a request may touch several). */
  forRequest(requestId: string, limit: number): Promise<ServerTrail[]> {
    return this.prisma.serverTrail.findMany({
      where: { requestId },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }
}
