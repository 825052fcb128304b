import { Command, Option } from 'nest-commander';
import { generateSecret } from '@nefos/contracts';
import { IdentityAdmin, type User } from '@nefos/database';
import { CommandError, type JsonOption } from '../base.command';
import type { Output } from '../../output/output';
import { IdentityCommand } from './identity-command';

interface UserCreateOptions extends JsonOption {
  password?: string;
  domain?: string;
  email?: string;
  project?: string;
  role?: string;
}

const userRow = (u: User) => ({
  id: u.id,
  name: u.name,
  domain: u.domainId,
  enabled: u.enabled,
  email: u.email,
  default_project: u.defaultProjectId,
});

@Command({
  name: 'user-create',
  arguments: '<name>',
  description:
    'create a user (with --project, also its default project and a role on it; without --password, a generated one is printed)',
})
export class UserCreateCommand extends IdentityCommand<UserCreateOptions> {
  constructor(private readonly admin: IdentityAdmin) {
    super();
  }

  protected async act([name]: string[], o: UserCreateOptions, out: Output): Promise<void> {
    if (o.role && !o.project) throw new CommandError('--role needs --project');
    const domain = await this.admin.domain(o.domain);
    const project = o.project ? await this.admin.findProject(o.project, domain.id) : null;
    const role = project ? await this.admin.findRole(o.role ?? 'member') : null;
    const password = o.password ?? generateSecret(20);
    const user = await this.admin.createUser({
      name,
      domainId: domain.id,
      password,
      email: o.email,
      defaultProjectId: project?.id,
    });
    if (project && role) await this.admin.assignRole(user.id, project.id, role.id);
    out.object({
      ...userRow(user),
      role: role ? `${role.name} on ${project!.name}` : null,
      ...(o.password ? {} : { password }),
    });
  }

  @Option({ flags: '--password <password>', description: 'the password (at least 8 characters)' })
  parsePassword(v: string): string {
    return v;
  }

  @Option({ flags: '--domain <domain>', description: 'domain id or name (default: default)' })
  parseDomain(v: string): string {
    return v;
  }

  @Option({ flags: '--email <email>', description: 'e-mail address' })
  parseEmail(v: string): string {
    return v;
  }

  @Option({ flags: '--project <project>', description: 'default project (name or id)' })
  parseProject(v: string): string {
    return v;
  }

  @Option({ flags: '--role <role>', description: 'role on --project (default: member)' })
  parseRole(v: string): string {
    return v;
  }
}

interface DomainOption extends JsonOption {
  domain?: string;
}

@Command({ name: 'user-list', description: 'list users' })
export class UserListCommand extends IdentityCommand<DomainOption> {
  constructor(private readonly admin: IdentityAdmin) {
    super();
  }

  protected async act(_args: string[], o: DomainOption, out: Output): Promise<void> {
    const domainId = o.domain ? (await this.admin.domain(o.domain)).id : undefined;
    const users = await this.admin.users.list({ domainId });
    out.list(users.map(userRow), ['id', 'name', 'domain', 'enabled', 'email', 'default_project']);
  }

  @Option({ flags: '--domain <domain>', description: 'only users of this domain' })
  parseDomain(v: string): string {
    return v;
  }
}

@Command({
  name: 'user-delete',
  arguments: '<user>',
  description: 'delete a user (name or id) with its tokens, role assignments and key pairs',
})
export class UserDeleteCommand extends IdentityCommand<DomainOption> {
  constructor(private readonly admin: IdentityAdmin) {
    super();
  }

  protected async act([ref]: string[], o: DomainOption, out: Output): Promise<void> {
    const domainId = o.domain ? (await this.admin.domain(o.domain)).id : undefined;
    const user = await this.admin.findUser(ref, domainId);
    await this.admin.deleteUser(user.id);
    out.message(`Deleted user ${user.name} (${user.id})`);
  }

  @Option({ flags: '--domain <domain>', description: 'domain of the user name' })
  parseDomain(v: string): string {
    return v;
  }
}

interface UserSetOptions extends DomainOption {
  password?: string;
  enable?: boolean;
  disable?: boolean;
  email?: string;
}

@Command({
  name: 'user-set',
  arguments: '<user>',
  description:
    'change a user: --password, --enable/--disable, --email (ends its tokens on a new password or disable)',
})
export class UserSetCommand extends IdentityCommand<UserSetOptions> {
  constructor(private readonly admin: IdentityAdmin) {
    super();
  }

  protected async act([ref]: string[], o: UserSetOptions, out: Output): Promise<void> {
    if (o.enable && o.disable) throw new CommandError('--enable and --disable exclude each other');
    if (o.password === undefined && !o.enable && !o.disable && o.email === undefined) {
      throw new CommandError('nothing to change: give --password, --enable, --disable or --email');
    }
    const domainId = o.domain ? (await this.admin.domain(o.domain)).id : undefined;
    const user = await this.admin.findUser(ref, domainId);
    const updated = await this.admin.updateUser(user.id, {
      password: o.password,
      email: o.email,
      enabled: o.enable ? true : o.disable ? false : undefined,
    });
    out.object(userRow(updated));
  }

  @Option({ flags: '--password <password>', description: 'a new password' })
  parsePassword(v: string): string {
    return v;
  }

  @Option({ flags: '--enable', description: 'allow the user to log in' })
  parseEnable(): boolean {
    return true;
  }

  @Option({ flags: '--disable', description: 'refuse logins and end the user’s tokens' })
  parseDisable(): boolean {
    return true;
  }

  @Option({ flags: '--email <email>', description: 'e-mail address' })
  parseEmail(v: string): string {
    return v;
  }

  @Option({ flags: '--domain <domain>', description: 'domain of the user name' })
  parseDomain(v: string): string {
    return v;
  }
}
