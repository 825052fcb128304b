import { Command, Option } from 'nest-commander';
import { IdentityAdmin } from '@nefos/database';
import type { JsonOption } from '../base.command';
import type { Output } from '../../output/output';
import { IdentityCommand } from './identity-command';

interface DomainOption extends JsonOption {
  domain?: string;
}

/** Resolves `<user> <project> <role>` (names or ids) for role-add and role-remove. */
async function resolve(admin: IdentityAdmin, [u, p, r]: string[], domain?: string) {
  const domainId = domain ? (await admin.domain(domain)).id : undefined;
  const [user, project, role] = await Promise.all([
    admin.findUser(u, domainId),
    admin.findProject(p, domainId),
    admin.findRole(r),
  ]);
  return { user, project, role };
}

@Command({
  name: 'role-add',
  arguments: '<user> <project> <role>',
  description: 'give a user a role (admin, member, reader) on a project',
})
export class RoleAddCommand extends IdentityCommand<DomainOption> {
  constructor(private readonly admin: IdentityAdmin) {
    super();
  }

  protected async act(args: string[], o: DomainOption, out: Output): Promise<void> {
    const { user, project, role } = await resolve(this.admin, args, o.domain);
    await this.admin.assignRole(user.id, project.id, role.id);
    out.message(`Gave ${user.name} the role ${role.name} on ${project.name}`);
  }

  @Option({ flags: '--domain <domain>', description: 'domain of the user and project names' })
  parseDomain(v: string): string {
    return v;
  }
}

@Command({
  name: 'role-remove',
  arguments: '<user> <project> <role>',
  description:
    'take a role on a project away from a user (its tokens for the project stop working)',
})
export class RoleRemoveCommand extends IdentityCommand<DomainOption> {
  constructor(private readonly admin: IdentityAdmin) {
    super();
  }

  protected async act(args: string[], o: DomainOption, out: Output): Promise<void> {
    const { user, project, role } = await resolve(this.admin, args, o.domain);
    await this.admin.unassignRole(user.id, project.id, role.id);
    out.message(`Removed the role ${role.name} on ${project.name} from ${user.name}`);
  }

  @Option({ flags: '--domain <domain>', description: 'domain of the user and project names' })
  parseDomain(v: string): string {
    return v;
  }
}

interface RoleListOptions extends DomainOption {
  user?: string;
  project?: string;
}

@Command({ name: 'role-list', description: 'list role assignments (who has which role where)' })
export class RoleListCommand extends IdentityCommand<RoleListOptions> {
  constructor(private readonly admin: IdentityAdmin) {
    super();
  }

  protected async act(_args: string[], o: RoleListOptions, out: Output): Promise<void> {
    const domainId = o.domain ? (await this.admin.domain(o.domain)).id : undefined;
    const user = o.user ? await this.admin.findUser(o.user, domainId) : undefined;
    const project = o.project ? await this.admin.findProject(o.project, domainId) : undefined;
    const rows = await this.admin.roles.assignments({ userId: user?.id, projectId: project?.id });
    out.list(
      rows.map((a) => ({
        user: a.user.name,
        project: a.project.name,
        role: a.role.name,
        user_id: a.user.id,
        project_id: a.project.id,
      })),
      ['user', 'project', 'role', 'user_id', 'project_id'],
    );
  }

  @Option({ flags: '--user <user>', description: 'only this user' })
  parseUser(v: string): string {
    return v;
  }

  @Option({ flags: '--project <project>', description: 'only this project' })
  parseProject(v: string): string {
    return v;
  }

  @Option({ flags: '--domain <domain>', description: 'domain of the user and project names' })
  parseDomain(v: string): string {
    return v;
  }
}
