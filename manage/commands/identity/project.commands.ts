import { Command, Option } from 'nest-commander';
import { IdentityAdmin, type Project } from '@nefos/database';
import type { JsonOption } from '../base.command';
import type { Output } from '../../output/output';
import { IdentityCommand } from './identity-command';

interface ProjectCreateOptions extends JsonOption {
  description?: string;
  domain?: string;
}

const projectRow = (p: Project) => ({
  id: p.id,
  name: p.name,
  domain: p.domainId,
  enabled: p.enabled,
  description: p.description,
});

@Command({ name: 'project-create', arguments: '<name>', description: 'create a project' })
export class ProjectCreateCommand extends IdentityCommand<ProjectCreateOptions> {
  constructor(private readonly admin: IdentityAdmin) {
    super();
  }

  protected async act([name]: string[], o: ProjectCreateOptions, out: Output): Promise<void> {
    const project = await this.admin.createProject({
      name,
      domainId: o.domain,
      description: o.description,
    });
    out.object(projectRow(project));
  }

  @Option({ flags: '--description <text>', description: 'what the project is for' })
  parseDescription(v: string): string {
    return v;
  }

  @Option({ flags: '--domain <domain>', description: 'domain id or name (default: default)' })
  parseDomain(v: string): string {
    return v;
  }
}

@Command({ name: 'project-list', description: 'list projects' })
export class ProjectListCommand extends IdentityCommand {
  constructor(private readonly admin: IdentityAdmin) {
    super();
  }

  protected async act(_args: string[], _o: JsonOption, out: Output): Promise<void> {
    const projects = await this.admin.projects.list();
    out.list(projects.map(projectRow), ['id', 'name', 'domain', 'enabled', 'description']);
  }
}

interface DomainOption extends JsonOption {
  domain?: string;
}

@Command({
  name: 'project-delete',
  arguments: '<project>',
  description:
    'delete a project (name or id) with its role assignments and quotas; refused while it owns servers, networks, volumes or floating IPs',
})
export class ProjectDeleteCommand extends IdentityCommand<DomainOption> {
  constructor(private readonly admin: IdentityAdmin) {
    super();
  }

  protected async act([ref]: string[], o: DomainOption, out: Output): Promise<void> {
    const domainId = o.domain ? (await this.admin.domain(o.domain)).id : undefined;
    const project = await this.admin.findProject(ref, domainId);
    await this.admin.deleteProject(project.id);
    out.message(`Deleted project ${project.name} (${project.id})`);
  }

  @Option({ flags: '--domain <domain>', description: 'domain of the project name' })
  parseDomain(v: string): string {
    return v;
  }
}
