import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import type { BackendNetwork } from '../generated/prisma/client';

type Tx = Prisma.TransactionClient;

/** A network as created on one backend, as the dispatcher updates it from network job events. */
@Injectable()
export class NetworkEventRepository {
  /** Locks the BackendNetwork of `backendName` on the backend called `cluster`. */
  async lock(tx: Tx, cluster: string, backendName: string): Promise<BackendNetwork | null> {
    const rows = await tx.$queryRaw<Array<{ networkId: string; backendId: string }>>`
      SELECT bn."networkId", bn."backendId" FROM "BackendNetwork" bn
      JOIN "Backend" b ON b."id" = bn."backendId"
      WHERE b."name" = ${cluster} AND bn."backendName" = ${backendName}
      FOR UPDATE OF bn`;
    if (rows.length === 0) return null;
    return tx.backendNetwork.findUnique({
      where: {
        networkId_backendId: { networkId: rows[0].networkId, backendId: rows[0].backendId },
      },
    });
  }

  update(
    tx: Tx,
    row: Pick<BackendNetwork, 'networkId' | 'backendId'>,
    data: Prisma.BackendNetworkUncheckedUpdateInput,
  ): Promise<BackendNetwork> {
    return tx.backendNetwork.update({
      where: { networkId_backendId: { networkId: row.networkId, backendId: row.backendId } },
      data,
    });
  }
}
