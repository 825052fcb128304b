import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { RoleRepository } from '@nefos/database';
import { badRequest, notFound } from '../../common/errors/domain.error';
import { Policy } from '../policy/policy.decorator';
import { collection, roleView } from './keystone-views';
import { parseBoolQuery } from './validation';

/**
 * Keystone v3 roles (fixed: admin, member, reader; the policy table gives them their meaning)
 * and the role assignment report `openstack role assignment list` reads.
 */
@Controller('identity/v3')
export class RolesController {
  constructor(
    private readonly roles: RoleRepository,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  private get base(): string {
    return `${this.config.api.publicUrl}/identity`;
  }

  @Get('roles')
  @Policy('identity:roles:list')
  async list(@Query('name') name: string | undefined) {
    const roles = await this.roles.list(name !== undefined ? { name } : {});
    return collection(
      'roles',
      `${this.base}/v3/roles`,
      roles.map((r) => roleView(this.base, r)),
    );
  }

  @Get('roles/:role_id')
  @Policy('identity:roles:get')
  async show(@Param('role_id') id: string) {
    const role = await this.roles.findById(id);
    if (!role) throw notFound(`Could not find role: ${id}.`);
    return { role: roleView(this.base, role) };
  }

  @Get('role_assignments')
  @Policy('identity:role_assignments:list')
  async assignments(@Query() q: Record<string, string | undefined>) {
    if (q['group.id'] !== undefined || q['scope.domain.id'] !== undefined) {
      return collection('role_assignments', `${this.base}/v3/role_assignments`, []);
    }
    if (q['scope.system'] !== undefined) {
      throw badRequest('Nefos has no system role assignments.');
    }
    const withNames = parseBoolQuery(q.include_names, 'include_names') ?? false;
    const rows = await this.roles.assignments({
      userId: q['user.id'],
      projectId: q['scope.project.id'],
      roleId: q['role.id'],
    });
    const items = rows.map((a) => ({
      role: withNames ? { id: a.role.id, name: a.role.name } : { id: a.role.id },
      user: withNames
        ? { id: a.user.id, name: a.user.name, domain: a.user.domain }
        : { id: a.user.id },
      scope: {
        project: withNames
          ? { id: a.project.id, name: a.project.name, domain: a.project.domain }
          : { id: a.project.id },
      },
      links: {
        assignment: `${this.base}/v3/projects/${a.project.id}/users/${a.user.id}/roles/${a.role.id}`,
      },
    }));
    return collection('role_assignments', `${this.base}/v3/role_assignments`, items);
  }
}
