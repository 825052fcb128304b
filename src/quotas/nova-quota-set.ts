import { QUOTA_RESOURCES, type QuotaLimits, type QuotaUsageReport } from '@nefos/database';

/**
 * Limits Nova 2.1 shows in every quota set that Nefos stores for clients but does not count:
 * injected files, server groups and the nova-network leftovers. Their defaults are Nova's.
 */
export const NOVA_EXTRA_DEFAULTS: Record<string, number> = {
  fixed_ips: -1,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  injected_files: 5,
  security_group_rules: 20,
  security_groups: 10,
  server_group_members: 10,
  server_groups: 10,
};

export const SETTABLE_KEYS = [...QUOTA_RESOURCES, ...Object.keys(NOVA_EXTRA_DEFAULTS)].sort();

/** `{"quota_set": {...}}` with plain limits (the id is left out of an update's answer, as Nova). */
export function quotaSet(
  limits: QuotaLimits,
  extras: Record<string, number>,
  projectId?: string,
): Record<string, unknown> {
  const set: Record<string, unknown> = projectId !== undefined ? { id: projectId } : {};
  for (const key of SETTABLE_KEYS) {
    set[key] =
      key in limits ? limits[key as keyof QuotaLimits] : (extras[key] ?? NOVA_EXTRA_DEFAULTS[key]);
  }
  return { quota_set: set };
}

/** The `detail` form: `{limit, in_use, reserved}` per resource. */
export function quotaSetDetail(
  usage: QuotaUsageReport,
  extras: Record<string, number>,
  projectId: string,
): Record<string, unknown> {
  const set: Record<string, unknown> = { id: projectId };
  for (const key of SETTABLE_KEYS) {
    const u = usage[key as keyof QuotaUsageReport];
    set[key] = u
      ? { limit: u.limit, in_use: u.inUse, reserved: u.reserved }
      : { limit: extras[key] ?? NOVA_EXTRA_DEFAULTS[key], in_use: 0, reserved: 0 };
  }
  return { quota_set: set };
}
