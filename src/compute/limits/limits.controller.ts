import { Get, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { QuotaStore, UNLIMITED } from '@nefos/database';
import { forbidden } from '../../common/errors/domain.error';
import type { AuthContext } from '../../identity/auth/auth-context';
import { CurrentAuth } from '../../identity/auth/current-auth.decorator';
import { Policy } from '../../identity/policy/policy.decorator';
import { ComputeController } from '../common/compute.decorators';
import { queryString } from '../common/pagination';

/** Nova's limits for things Nefos does not count; an operator may store other values per project. */
const UNCOUNTED_DEFAULTS = {
  injected_files: 5,
  injected_file_content_bytes: 10240,
  security_groups: 10,
  security_group_rules: 20,
  server_groups: 10,
  server_group_members: 10,
};

@ComputeController('limits', 'limits')
export class LimitsController {
  constructor(private readonly quotas: QuotaStore) {}

  @Get()
  @Policy('compute:limits:get')
  @ApiOperation({
    summary: 'Show absolute limits and usage (admins: tenant_id for another project)',
  })
  async show(@CurrentAuth() auth: AuthContext, @Query() query: Record<string, unknown>) {
    const tenant = queryString(query, 'tenant_id');
    if (tenant !== undefined && tenant !== auth.projectId && !auth.isAdmin) {
      throw forbidden(
        "Policy doesn't allow compute:limits:get for another project to be performed.",
      );
    }
    const projectId = tenant ?? auth.projectId!;
    const [usage, extra] = await Promise.all([
      this.quotas.usage(projectId),
      this.quotas.extraLimits(projectId),
    ]);
    const x = { ...UNCOUNTED_DEFAULTS, ...extra };
    // What is held counts as used: a reserved core is not available to the next request either.
    const used = (r: keyof typeof usage): number => usage[r].inUse + usage[r].reserved;
    const limit = (n: number): number => (n === UNLIMITED ? -1 : n);
    return {
      limits: {
        rate: [],
        absolute: {
          maxImageMeta: limit(usage.metadata_items.limit),
          maxPersonality: x.injected_files,
          maxPersonalitySize: x.injected_file_content_bytes,
          maxSecurityGroupRules: x.security_group_rules,
          maxSecurityGroups: x.security_groups,
          maxServerGroupMembers: x.server_group_members,
          maxServerGroups: x.server_groups,
          maxServerMeta: limit(usage.metadata_items.limit),
          maxTotalCores: limit(usage.cores.limit),
          maxTotalFloatingIps: limit(usage.floating_ips.limit),
          maxTotalInstances: limit(usage.instances.limit),
          maxTotalKeypairs: limit(usage.key_pairs.limit),
          maxTotalRAMSize: limit(usage.ram.limit),
          totalCoresUsed: used('cores'),
          totalFloatingIpsUsed: used('floating_ips'),
          totalInstancesUsed: used('instances'),
          totalRAMUsed: used('ram'),
          totalSecurityGroupsUsed: 0,
          totalServerGroupsUsed: 0,
        },
      },
    };
  }
}
