import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { IdentityAdmin } from '@nefos/database';
import { notFound } from '../../common/errors/domain.error';
import { asFault } from '../admin/identity-errors';
import { Policy } from '../policy/policy.decorator';
import { TokenService } from '../tokens/token.service';
import { collection, projectView, userView } from './keystone-views';
import { parseBody, parseBoolQuery } from './validation';

const userFields = {
  name: z.string().max(255),
  password: z.string().max(4096).nullable().optional(),
  email: z.string().max(255).nullable().optional(),
  description: z.string().max(4096).optional(),
  enabled: z.boolean().optional(),
  default_project_id: z.string().max(64).nullable().optional(),
};
const createUser = z.object({
  user: z.object({ ...userFields, domain_id: z.string().max(64).optional() }),
});
const updateUser = z.object({
  user: z.object({ ...userFields, name: userFields.name.optional() }),
});
const changePassword = z.object({
  user: z.object({ password: z.string().max(4096), original_password: z.string().max(4096) }),
});

/** Keystone v3 users: admins manage them; a user reads itself and changes its own password. */
@Controller('identity/v3/users')
export class UsersController {
  constructor(
    private readonly admin: IdentityAdmin,
    private readonly tokens: TokenService,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  private get base(): string {
    return `${this.config.api.publicUrl}/identity`;
  }

  @Get()
  @Policy('identity:users:list')
  async list(@Query() q: Record<string, string | undefined>) {
    const users = await this.admin.users.list({
      name: q.name,
      domainId: q.domain_id,
      enabled: parseBoolQuery(q.enabled, 'enabled'),
    });
    return collection(
      'users',
      `${this.base}/v3/users`,
      users.map((u) => userView(this.base, u)),
    );
  }

  @Post()
  @Policy('identity:users:create')
  @HttpCode(201)
  async create(@Body() body: unknown) {
    const { user } = parseBody(createUser, body);
    const created = await asFault(() =>
      this.admin.createUser({
        name: user.name,
        domainId: user.domain_id,
        password: user.password,
        email: user.email,
        description: user.description,
        enabled: user.enabled,
        defaultProjectId: user.default_project_id,
      }),
    );
    return { user: userView(this.base, created) };
  }

  @Get(':user_id')
  @Policy('identity:users:get')
  async show(@Param('user_id') id: string) {
    const user = await this.admin.users.findById(id);
    if (!user) throw notFound(`Could not find user: ${id}.`);
    return { user: userView(this.base, user) };
  }

  @Patch(':user_id')
  @Policy('identity:users:update')
  async update(@Param('user_id') id: string, @Body() body: unknown) {
    const { user } = parseBody(updateUser, body);
    const updated = await asFault(() =>
      this.admin.updateUser(id, {
        name: user.name,
        password: user.password,
        email: user.email,
        description: user.description,
        enabled: user.enabled,
        defaultProjectId: user.default_project_id,
      }),
    );
    return { user: userView(this.base, updated) };
  }

  @Delete(':user_id')
  @Policy('identity:users:delete')
  @HttpCode(204)
  async remove(@Param('user_id') id: string): Promise<void> {
    await asFault(() => this.admin.deleteUser(id));
  }

  /** Self-service: the original password is checked (and counted) like a login. */
  @Post(':user_id/password')
  @Policy('identity:users:change_password')
  @HttpCode(204)
  async changePassword(@Param('user_id') id: string, @Body() body: unknown, @Req() req: Request) {
    const { user } = parseBody(changePassword, body);
    await this.tokens.checkPassword({ id }, user.original_password, req.ip ?? '', {
      allowExpired: true,
    });
    await asFault(() => this.admin.updateUser(id, { password: user.password }));
  }

  @Get(':user_id/projects')
  @Policy('identity:users:projects')
  async projects(@Param('user_id') id: string) {
    await asFault(() => this.admin.findUserById(id));
    const list = await this.admin.projects.list({ userId: id });
    return collection(
      'projects',
      `${this.base}/v3/users/${id}/projects`,
      list.map((p) => projectView(this.base, p)),
    );
  }
}
