import { Inject, Injectable } from '@nestjs/common';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { InvalidQuotaError, QuotaExceededError } from './quota.errors';
import {
  isQuotaResource,
  QUOTA_RESOURCES,
  UNLIMITED,
  type CommissionOutcome,
  type QuotaDeltas,
  type QuotaLimits,
  type QuotaResource,
  type QuotaUsageReport,
} from './quota.types';

type Tx = Prisma.TransactionClient;
type UsageRow = { resource: string; inUse: number; reserved: number };
type Counters = Record<QuotaResource, { inUse: number; reserved: number }>;

const INT_MAX = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keeps only real, non-zero changes and refuses anything that is not a whole number of a resource. */
function normalize(deltas: QuotaDeltas): Array<[QuotaResource, number]> {
  const out: Array<[QuotaResource, number]> = [];
  for (const [key, value] of Object.entries(deltas)) {
    if (!isQuotaResource(key)) throw new InvalidQuotaError(`Unknown quota resource ${key}`);
    if (value === undefined || value === 0) continue;
    if (!Number.isSafeInteger(value) || Math.abs(value) > INT_MAX) {
      throw new InvalidQuotaError(`Quota change for ${key} must be a whole number`);
    }
    out.push([key, value]);
  }
  return out;
}

export function validateLimit(resource: string, value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < UNLIMITED ||
    value > INT_MAX
  ) {
    throw new InvalidQuotaError(
      `Quota limit for ${resource} must be a whole number between -1 and ${INT_MAX}`,
    );
  }
  return value;
}

/**
 * Per-project limits and usage, shared by the API (which reserves in the same transaction that
 * creates a resource), the dispatcher (which settles when the backend job ends) and the CLI.
 *
 * Usage rows are locked `FOR UPDATE` in one fixed order, so concurrent changes to one project
 * serialise and `inUse + reserved` can never pass a limit. A reservation is a Commission (as in
 * Synnefo): positive changes are held in `reserved` until accepted; negative ones (deletes) wait
 * in the commission and are applied on accept, so a failed delete gives nothing back.
 */
@Injectable()
export class QuotaStore {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  defaults(): QuotaLimits {
    return Object.fromEntries(
      QUOTA_RESOURCES.map((r) => [r, this.config.quotas[r]]),
    ) as QuotaLimits;
  }

  /** The limits in force for a project: its overrides, else the configured defaults. */
  async limits(projectId: string, tx: Tx = this.prisma): Promise<QuotaLimits> {
    const rows = await tx.quota.findMany({ where: { projectId } });
    const limits = this.defaults();
    for (const row of rows) if (isQuotaResource(row.resource)) limits[row.resource] = row.limit;
    return limits;
  }

  /**
   * Holds `deltas` for a change the backend has yet to confirm; throws QuotaExceededError (and
   * changes nothing) when a positive change does not fit. Call inside the transaction that
   * writes the resource, so both commit or neither does.
   */
  async reserve(
    tx: Tx,
    projectId: string,
    deltas: QuotaDeltas,
    ref: { action: string; serverId?: string },
  ): Promise<{ commissionId: string }> {
    const changes = normalize(deltas);
    const counters = await this.lock(tx, projectId);
    await this.check(tx, projectId, changes, counters);
    for (const [resource, n] of changes) {
      if (n > 0) await this.bump(tx, projectId, resource, 0, n);
    }
    const commission = await tx.commission.create({
      data: {
        projectId,
        serverId: ref.serverId ?? null,
        action: ref.action,
        deltas: Object.fromEntries(changes),
      },
      select: { id: true },
    });
    return { commissionId: commission.id };
  }

  /** The backend confirmed: reserved becomes used (or a pending release is applied). Idempotent. */
  accept(tx: Tx, commissionId: string): Promise<CommissionOutcome> {
    return this.settle(tx, commissionId, 'ACCEPTED');
  }

  /** The change did not happen: the reservation is released. Idempotent. */
  reject(tx: Tx, commissionId: string): Promise<CommissionOutcome> {
    return this.settle(tx, commissionId, 'REJECTED');
  }

  /** An immediate change (key pairs, metadata items), checked against the limits like reserve. */
  async charge(tx: Tx, projectId: string, deltas: QuotaDeltas): Promise<void> {
    const changes = normalize(deltas);
    if (changes.length === 0) return;
    const counters = await this.lock(tx, projectId);
    await this.check(tx, projectId, changes, counters);
    for (const [resource, n] of changes) await this.bump(tx, projectId, resource, n, 0);
  }

  async usage(projectId: string, tx: Tx = this.prisma): Promise<QuotaUsageReport> {
    const [limits, rows] = await Promise.all([
      this.limits(projectId, tx),
      tx.quotaUsage.findMany({ where: { projectId } }),
    ]);
    const report = Object.fromEntries(
      QUOTA_RESOURCES.map((r) => [r, { limit: limits[r], inUse: 0, reserved: 0 }]),
    ) as QuotaUsageReport;
    for (const row of rows) {
      if (isQuotaResource(row.resource)) {
        report[row.resource].inUse = row.inUse;
        report[row.resource].reserved = row.reserved;
      }
    }
    return report;
  }

  /**
   * Sets some limits of a project (-1 unlimited). Unless `force`, a limit below what is already
   * used and reserved is refused, as Nova does.
   */
  async setLimits(
    projectId: string,
    limits: Partial<QuotaLimits>,
    opts: { force?: boolean } = {},
  ): Promise<QuotaLimits> {
    const entries = Object.entries(limits).filter(([, v]) => v !== undefined);
    for (const [resource, value] of entries) {
      if (!isQuotaResource(resource))
        throw new InvalidQuotaError(`Unknown quota resource ${resource}`);
      validateLimit(resource, value);
    }
    return this.prisma.$transaction(async (tx) => {
      const counters = await this.lock(tx, projectId);
      for (const [resource, value] of entries as Array<[QuotaResource, number]>) {
        const used = counters[resource].inUse + counters[resource].reserved;
        if (!opts.force && value !== UNLIMITED && value < used) {
          throw new InvalidQuotaError(
            `Quota limit ${value} for ${resource} must be greater than or equal to already used and reserved ${used}.`,
          );
        }
        await tx.quota.upsert({
          where: { projectId_resource: { projectId, resource } },
          create: { projectId, resource, limit: value },
          update: { limit: value },
        });
      }
      return this.limits(projectId, tx);
    });
  }

  /** Drops a project's overrides: its limits are the defaults again. */
  async resetLimits(projectId: string): Promise<void> {
    await this.prisma.quota.deleteMany({
      where: { projectId, resource: { in: [...QUOTA_RESOURCES] } },
    });
  }

  /**
   * Limits the API shows and stores for a client but Nefos does not count (Nova's
   * `injected_files`, `server_groups`, ...): stored beside the real ones, never checked here.
   */
  async extraLimits(projectId: string): Promise<Record<string, number>> {
    const rows = await this.prisma.quota.findMany({ where: { projectId } });
    return Object.fromEntries(
      rows.filter((r) => !isQuotaResource(r.resource)).map((r) => [r.resource, r.limit]),
    );
  }

  async setExtraLimits(projectId: string, limits: Record<string, number>): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      for (const [resource, value] of Object.entries(limits)) {
        if (isQuotaResource(resource))
          throw new InvalidQuotaError(`${resource} is not an extra limit`);
        validateLimit(resource, value);
        await tx.quota.upsert({
          where: { projectId_resource: { projectId, resource } },
          create: { projectId, resource, limit: value },
          update: { limit: value },
        });
      }
    });
  }

  async resetExtraLimits(projectId: string): Promise<void> {
    await this.prisma.quota.deleteMany({
      where: { projectId, resource: { notIn: [...QUOTA_RESOURCES] } },
    });
  }

  /** Records the backend job a commission waits for (so reconciliation can find it). */
  async bindJob(commissionId: string, backendJobId: number, tx: Tx = this.prisma): Promise<void> {
    await tx.commission.updateMany({
      where: { id: commissionId, status: 'PENDING' },
      data: { backendJobId },
    });
  }

  /** Pending commissions, oldest first (for reconciliation and the CLI). */
  pending(filter: { projectId?: string; serverId?: string } = {}) {
    return this.prisma.commission.findMany({
      where: { status: 'PENDING', ...filter },
      orderBy: { createdAt: 'asc' },
    });
  }

  // ---- internals ----

  /** Creates any missing usage rows of the project, then locks all of them in resource order. */
  private async lock(tx: Tx, projectId: string): Promise<Counters> {
    const resources = [...QUOTA_RESOURCES].sort();
    await tx.$executeRaw`
      INSERT INTO "QuotaUsage" ("projectId", "resource", "inUse", "reserved", "updatedAt")
      SELECT ${projectId}, r, 0, 0, now() FROM unnest(${resources}::text[]) AS r ORDER BY r
      ON CONFLICT ("projectId", "resource") DO NOTHING`;
    const rows = await tx.$queryRaw<UsageRow[]>`
      SELECT "resource", "inUse", "reserved" FROM "QuotaUsage"
      WHERE "projectId" = ${projectId} ORDER BY "resource" FOR UPDATE`;
    const counters = Object.fromEntries(
      QUOTA_RESOURCES.map((r) => [r, { inUse: 0, reserved: 0 }]),
    ) as Counters;
    for (const row of rows) {
      if (isQuotaResource(row.resource)) {
        counters[row.resource] = { inUse: row.inUse, reserved: row.reserved };
      }
    }
    return counters;
  }

  private async check(
    tx: Tx,
    projectId: string,
    changes: Array<[QuotaResource, number]>,
    counters: Counters,
  ): Promise<void> {
    if (!changes.some(([, n]) => n > 0)) return;
    const limits = await this.limits(projectId, tx);
    for (const [resource, n] of changes) {
      const limit = limits[resource];
      const { inUse, reserved } = counters[resource];
      if (n > 0 && limit !== UNLIMITED && inUse + reserved + n > limit) {
        throw new QuotaExceededError(resource, limit, inUse, reserved, n);
      }
    }
  }

  /** Adds to a usage row; `inUse` never goes below zero (a release of something never counted). */
  private async bump(
    tx: Tx,
    projectId: string,
    resource: QuotaResource,
    inUse: number,
    reserved: number,
  ): Promise<void> {
    await tx.$executeRaw`
      UPDATE "QuotaUsage"
      SET "inUse" = GREATEST("inUse" + ${inUse}::int, 0),
          "reserved" = GREATEST("reserved" + ${reserved}::int, 0),
          "updatedAt" = now()
      WHERE "projectId" = ${projectId} AND "resource" = ${resource}`;
  }

  private async settle(
    tx: Tx,
    commissionId: string,
    outcome: 'ACCEPTED' | 'REJECTED',
  ): Promise<CommissionOutcome> {
    if (!UUID.test(commissionId)) return 'MISSING';
    const rows = await tx.$queryRaw<Array<{ projectId: string; status: string; deltas: unknown }>>`
      SELECT "projectId", "status"::text AS "status", "deltas" FROM "Commission"
      WHERE "id" = ${commissionId}::uuid FOR UPDATE`;
    const commission = rows[0];
    if (!commission) return 'MISSING';
    if (commission.status !== 'PENDING') return commission.status as CommissionOutcome;
    await this.lock(tx, commission.projectId);
    const deltas = (commission.deltas ?? {}) as Record<string, number>;
    for (const [resource, n] of Object.entries(deltas)) {
      if (!isQuotaResource(resource) || typeof n !== 'number') continue;
      if (outcome === 'ACCEPTED') {
        await this.bump(tx, commission.projectId, resource, n, n > 0 ? -n : 0);
      } else if (n > 0) {
        await this.bump(tx, commission.projectId, resource, 0, -n);
      }
    }
    await tx.commission.update({
      where: { id: commissionId },
      data: { status: outcome, resolvedAt: new Date() },
    });
    return outcome;
  }
}
