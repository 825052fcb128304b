/** The resources every project has a limit and a usage counter for. */
export const QUOTA_RESOURCES = [
  'instances',
  'cores',
  'ram',
  'disk',
  'key_pairs',
  'metadata_items',
  'networks',
  'floating_ips',
] as const;

export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** Changes to usage: positive when resources are created, negative when they are freed. */
export type QuotaDeltas = Partial<Record<QuotaResource, number>>;

/** A limit per resource; -1 is unlimited. */
export type QuotaLimits = Record<QuotaResource, number>;

export interface QuotaResourceUsage {
  limit: number;
  inUse: number;
  reserved: number;
}

export type QuotaUsageReport = Record<QuotaResource, QuotaResourceUsage>;

export const UNLIMITED = -1;

/** What a commission was settled as (or `MISSING` when it no longer exists). */
export type CommissionOutcome = 'PENDING' | 'ACCEPTED' | 'REJECTED' | 'MISSING';

export function isQuotaResource(name: string): name is QuotaResource {
  return (QUOTA_RESOURCES as readonly string[]).includes(name);
}
