/**
 * The one policy table: each action an endpoint names with `@Policy(...)` and who may perform it.
 * - `reader`: any role on the scoped project (readers, members, admins): reads.
 * - `member`: `member` or `admin` on the scoped project: changes within the project.
 * - `admin`: `admin` on the scoped project: cloud-wide administration.
 * - `authenticated`: any valid token, even unscoped (e.g. validating one's own token).
 * An endpoint without a `@Policy` and without `@Public` is refused: forgetting is safe.
 */
export type PolicyRule = 'authenticated' | 'reader' | 'member' | 'admin';

export const POLICY_TABLE: Record<string, PolicyRule> = {
  // Domains append their actions below, grouped by service.
};
