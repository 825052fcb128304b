/**
 * The one policy table: each action an endpoint names with `@Policy(...)` and who may perform it.
 * - `reader`: any role on the scoped project (readers, members, admins): reads.
 * - `member`: `member` or `admin` on the scoped project: changes within the project.
 * - `admin`: `admin` on the scoped project: cloud-wide administration.
 * - `authenticated`: any valid token, even unscoped (e.g. validating one's own token).
 * - `owner`: the user named by the route's `:user_id` (any token of theirs), or an admin.
 * - `project_reader`: any role on the project named by the route's `:project_id`, or an admin.
 * An endpoint without a `@Policy` and without `@Public` is refused: forgetting is safe.
 */
export type PolicyRule =
  'authenticated' | 'reader' | 'member' | 'admin' | 'owner' | 'project_reader';

export const POLICY_TABLE: Record<string, PolicyRule> = {
  // Domains append their actions below, grouped by service.

  // identity (Keystone v3/v2.0)
  'identity:tokens:validate': 'authenticated',
  'identity:tokens:revoke': 'authenticated',
  'identity:auth:catalog': 'authenticated',
  'identity:auth:projects': 'authenticated',
  'identity:users:list': 'admin',
  'identity:users:get': 'owner',
  'identity:users:create': 'admin',
  'identity:users:update': 'admin',
  'identity:users:delete': 'admin',
  'identity:users:change_password': 'owner',
  'identity:users:projects': 'owner',
  'identity:projects:list': 'admin',
  'identity:projects:get': 'project_reader',
  'identity:projects:create': 'admin',
  'identity:projects:update': 'admin',
  'identity:projects:delete': 'admin',
  'identity:roles:list': 'reader',
  'identity:roles:get': 'reader',
  'identity:grants:list': 'admin',
  'identity:grants:check': 'admin',
  'identity:grants:create': 'admin',
  'identity:grants:delete': 'admin',
  'identity:role_assignments:list': 'admin',
  'identity:domains:list': 'reader',
  'identity:domains:get': 'reader',
  'identity:services:list': 'reader',
  'identity:endpoints:list': 'reader',
  'identity:regions:list': 'reader',
  'identity:v2:tenants': 'authenticated',

  // compute quotas (Nova's os-quota-sets)
  'compute:os-quota-sets:show': 'project_reader',
  'compute:os-quota-sets:detail': 'project_reader',
  'compute:os-quota-sets:defaults': 'reader',
  'compute:os-quota-sets:update': 'admin',
  'compute:os-quota-sets:delete': 'admin',

  // compute (Nova v2.1): reads for any role, changes for members, flavors for admins
  'compute:servers:list': 'reader',
  'compute:servers:get': 'reader',
  'compute:servers:ips': 'reader',
  'compute:servers:security_groups': 'reader',
  'compute:servers:metadata:get': 'reader',
  'compute:servers:instance_actions:list': 'reader',
  'compute:servers:instance_actions:get': 'reader',
  'compute:servers:create': 'member',
  'compute:servers:update': 'member',
  'compute:servers:delete': 'member',
  'compute:servers:action': 'member',
  'compute:servers:metadata:update': 'member',
  'compute:flavors:list': 'reader',
  'compute:flavors:get': 'reader',
  'compute:flavors:extra_specs:list': 'reader',
  'compute:flavors:extra_specs:get': 'reader',
  'compute:flavors:create': 'admin',
  'compute:flavors:delete': 'admin',
  'compute:flavors:extra_specs:update': 'admin',
  'compute:images:list': 'reader',
  'compute:images:get': 'reader',
  'compute:images:update': 'member',
  'compute:images:delete': 'member',
  'compute:keypairs:list': 'reader',
  'compute:keypairs:get': 'reader',
  'compute:keypairs:create': 'member',
  'compute:keypairs:delete': 'member',
  'compute:limits:get': 'reader',
  'compute:availability_zones:list': 'reader',
  'compute:extensions:list': 'reader',

  // image (Glance v2 subset)
  'image:images:list': 'reader',
  'image:images:get': 'reader',

  // admin API and dashboard (/admin/api): operators only
  'admin:overview:get': 'admin',
  'admin:backends:list': 'admin',
  'admin:backends:get': 'admin',
  'admin:backends:create': 'admin',
  'admin:backends:update': 'admin',
  'admin:backends:delete': 'admin',
  'admin:backends:refresh': 'admin',
  'admin:nodes:update': 'admin',
  'admin:servers:list': 'admin',
  'admin:servers:get': 'admin',
  'admin:servers:trail': 'admin',
  'admin:jobs:list': 'admin',
  'admin:jobs:get': 'admin',
  'admin:dead-letters:list': 'admin',
  'admin:dead-letters:replay': 'admin',
  'admin:dead-letters:delete': 'admin',
};
