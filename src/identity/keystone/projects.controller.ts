import {
  Body,
  Controller,
  Delete,
  Get,
  Head,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { z } from 'zod';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { IdentityAdmin } from '@nefos/database';
import { badRequest, notFound } from '../../common/errors/domain.error';
import { asFault } from '../admin/identity-errors';
import { Policy } from '../policy/policy.decorator';
import { collection, projectView, roleView } from './keystone-views';
import { parseBody, parseBoolQuery } from './validation';

const projectFields = {
  name: z.string().max(255),
  description: z.string().max(4096).optional(),
  enabled: z.boolean().optional(),
};
const createProject = z.object({
  project: z.object({
    ...projectFields,
    domain_id: z.string().max(64).optional(),
    parent_id: z.string().max(64).nullable().optional(),
    is_domain: z.boolean().optional(),
  }),
});
const updateProject = z.object({
  project: z.object({ ...projectFields, name: projectFields.name.optional() }),
});

/** Keystone v3 projects and the role grants on them (`/projects/{p}/users/{u}/roles/{r}`). */
@Controller('identity/v3/projects')
export class ProjectsController {
  constructor(
    private readonly admin: IdentityAdmin,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  private get base(): string {
    return `${this.config.api.publicUrl}/identity`;
  }

  @Get()
  @Policy('identity:projects:list')
  async list(@Query() q: Record<string, string | undefined>) {
    const projects = await this.admin.projects.list({
      name: q.name,
      domainId: q.domain_id,
      enabled: parseBoolQuery(q.enabled, 'enabled'),
    });
    return collection(
      'projects',
      `${this.base}/v3/projects`,
      projects.map((p) => projectView(this.base, p)),
    );
  }

  @Post()
  @Policy('identity:projects:create')
  @HttpCode(201)
  async create(@Body() body: unknown) {
    const { project } = parseBody(createProject, body);
    if (project.is_domain) throw badRequest('Nefos does not create domains as projects.');
    const domainId = project.domain_id ?? project.parent_id ?? undefined;
    if (project.parent_id && project.domain_id && project.parent_id !== project.domain_id) {
      throw badRequest('Nefos projects are not nested: parent_id must be the domain.');
    }
    if (project.parent_id && !(await this.admin.projects.findDomainById(project.parent_id))) {
      throw badRequest('Nefos projects are not nested: parent_id must be the domain.');
    }
    const created = await asFault(() =>
      this.admin.createProject({
        name: project.name,
        domainId,
        description: project.description,
        enabled: project.enabled,
      }),
    );
    return { project: projectView(this.base, created) };
  }

  @Get(':project_id')
  @Policy('identity:projects:get')
  async show(@Param('project_id') id: string) {
    const project = await this.admin.projects.findById(id);
    if (!project) throw notFound(`Could not find project: ${id}.`);
    return { project: projectView(this.base, project) };
  }

  @Patch(':project_id')
  @Policy('identity:projects:update')
  async update(@Param('project_id') id: string, @Body() body: unknown) {
    const { project } = parseBody(updateProject, body);
    const updated = await asFault(() => this.admin.updateProject(id, project));
    return { project: projectView(this.base, updated) };
  }

  @Delete(':project_id')
  @Policy('identity:projects:delete')
  @HttpCode(204)
  async remove(@Param('project_id') id: string): Promise<void> {
    await asFault(() => this.admin.deleteProject(id));
  }

  @Get(':project_id/users/:user_id/roles')
  @Policy('identity:grants:list')
  async grants(@Param('project_id') projectId: string, @Param('user_id') userId: string) {
    await asFault(() =>
      Promise.all([this.admin.findProjectById(projectId), this.admin.findUserById(userId)]),
    );
    const roles = await this.admin.roles.rolesOn(userId, projectId);
    return collection(
      'roles',
      `${this.base}/v3/projects/${projectId}/users/${userId}/roles`,
      roles.map((r) => roleView(this.base, r)),
    );
  }

  @Put(':project_id/users/:user_id/roles/:role_id')
  @Policy('identity:grants:create')
  @HttpCode(204)
  async grant(
    @Param('project_id') projectId: string,
    @Param('user_id') userId: string,
    @Param('role_id') roleId: string,
  ): Promise<void> {
    await asFault(() => this.admin.assignRole(userId, projectId, roleId));
  }

  @Head(':project_id/users/:user_id/roles/:role_id')
  @Policy('identity:grants:check')
  @HttpCode(204)
  async checkGrant(
    @Param('project_id') projectId: string,
    @Param('user_id') userId: string,
    @Param('role_id') roleId: string,
  ): Promise<void> {
    if (!(await this.admin.roles.has(userId, projectId, roleId))) {
      throw notFound(`Could not find role assignment with role: ${roleId}.`);
    }
  }

  @Delete(':project_id/users/:user_id/roles/:role_id')
  @Policy('identity:grants:delete')
  @HttpCode(204)
  async revoke(
    @Param('project_id') projectId: string,
    @Param('user_id') userId: string,
    @Param('role_id') roleId: string,
  ): Promise<void> {
    await asFault(() => this.admin.unassignRole(userId, projectId, roleId));
  }
}
