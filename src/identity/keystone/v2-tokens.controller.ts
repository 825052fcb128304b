import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { DEFAULT_DOMAIN_ID, ProjectRepository } from '@nefos/database';
import type { AuthContext } from '../auth/auth-context';
import { CurrentAuth } from '../auth/current-auth.decorator';
import { CatalogRegistry } from '../catalog/catalog.registry';
import { Policy, Public } from '../policy/policy.decorator';
import { v2AuthBody, type ScopeRequest, type V2AuthBody } from '../tokens/auth-body.schema';
import { TokenService } from '../tokens/token.service';
import { v2Access } from './keystone-views';
import { parseBody } from './validation';

function v2Scope(auth: V2AuthBody['auth']): ScopeRequest {
  if (auth.tenantId !== undefined) return { kind: 'project', project: { id: auth.tenantId } };
  if (auth.tenantName !== undefined) {
    return {
      kind: 'project',
      project: { name: auth.tenantName, domain: { id: DEFAULT_DOMAIN_ID } },
    };
  }
  return { kind: 'unscoped' };
}

/** Keystone v2.0 for old clients: users and tenants of the Default domain. */
@Controller('identity/v2.0')
export class V2TokensController {
  constructor(
    private readonly tokens: TokenService,
    private readonly catalog: CatalogRegistry,
    private readonly projects: ProjectRepository,
  ) {}

  @Post('tokens')
  @Public()
  @HttpCode(200)
  async issue(@Body() body: unknown, @Req() req: Request) {
    const { auth } = parseBody(v2AuthBody, body);
    const scope = v2Scope(auth);
    const issued = auth.passwordCredentials
      ? await this.tokens.withPassword(
          {
            name: auth.passwordCredentials.username,
            domain: { id: DEFAULT_DOMAIN_ID },
            password: auth.passwordCredentials.password,
          },
          req.ip ?? '',
          scope,
        )
      : await this.tokens.withToken(auth.token!.id, scope);
    return v2Access(
      issued.view,
      issued.token,
      this.catalog.entries(issued.view.project?.id ?? null),
    );
  }

  /** The tenants the token's user may scope to (keystoneclient v2 lists them after an unscoped login). */
  @Get('tenants')
  @Policy('identity:v2:tenants')
  async tenants(@CurrentAuth() caller: AuthContext) {
    const list = await this.projects.list({ userId: caller.userId, enabled: true });
    return {
      tenants: list.map((p) => ({
        id: p.id,
        name: p.name,
        description: p.description,
        enabled: p.enabled,
      })),
      tenants_links: [],
    };
  }
}
