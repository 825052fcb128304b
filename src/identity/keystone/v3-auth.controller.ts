import {
  Body,
  Controller,
  Delete,
  Get,
  Head,
  Headers,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { ProjectRepository } from '@nefos/database';
import { badRequest, DomainError, forbidden, unauthorized } from '../../common/errors/domain.error';
import type { AuthContext } from '../auth/auth-context';
import { AuthService } from '../auth/auth.service';
import type { TokenView } from '../auth/token.repository';
import { CurrentAuth } from '../auth/current-auth.decorator';
import { CatalogRegistry } from '../catalog/catalog.registry';
import { Policy, Public } from '../policy/policy.decorator';
import { scopeOf, v3AuthBody } from '../tokens/auth-body.schema';
import { TokenService } from '../tokens/token.service';
import { collection, projectView, v3Catalog, v3Token } from './keystone-views';
import { parseBody } from './validation';

const SUPPORTED_METHODS = new Set(['password', 'token']);

/** Keystone v3 `/auth`: issue, validate and revoke tokens; the caller's catalog and projects. */
@Controller('identity/v3/auth')
export class V3AuthController {
  constructor(
    private readonly tokens: TokenService,
    private readonly auth: AuthService,
    private readonly catalog: CatalogRegistry,
    private readonly projects: ProjectRepository,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  @Post('tokens')
  @Public()
  @HttpCode(201)
  async issue(
    @Body() body: unknown,
    @Query('nocatalog') nocatalog: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { auth } = parseBody(v3AuthBody, body);
    const methods = auth.identity.methods;
    if (methods.some((m) => !SUPPORTED_METHODS.has(m)) || methods.length > 1) {
      throw unauthorized('Attempted to authenticate with an unsupported method.');
    }
    const scope = scopeOf(auth.scope);
    let issued;
    if (methods[0] === 'password') {
      if (!auth.identity.password) {
        throw badRequest("Invalid input for field 'auth.identity.password': Required");
      }
      issued = await this.tokens.withPassword(auth.identity.password.user, req.ip ?? '', scope);
    } else {
      if (!auth.identity.token) {
        throw badRequest("Invalid input for field 'auth.identity.token': Required");
      }
      issued = await this.tokens.withToken(auth.identity.token.id, scope);
    }
    res.setHeader('X-Subject-Token', issued.token);
    return this.body(issued.view, nocatalog);
  }

  @Get('tokens')
  @Policy('identity:tokens:validate')
  async validate(
    @CurrentAuth() caller: AuthContext,
    @Headers('x-subject-token') subject: string | undefined,
    @Query('nocatalog') nocatalog: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const view = await this.subject(caller, subject, 'identity:tokens:validate');
    res.setHeader('X-Subject-Token', subject!);
    return this.body(view, nocatalog);
  }

  /** Keystone answers a HEAD check with 200 and no body. */
  @Head('tokens')
  @Policy('identity:tokens:validate')
  @HttpCode(200)
  async check(
    @CurrentAuth() caller: AuthContext,
    @Headers('x-subject-token') subject: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.subject(caller, subject, 'identity:tokens:validate');
    res.setHeader('X-Subject-Token', subject!);
  }

  @Delete('tokens')
  @Policy('identity:tokens:revoke')
  @HttpCode(204)
  async revoke(
    @CurrentAuth() caller: AuthContext,
    @Headers('x-subject-token') subject: string | undefined,
  ): Promise<void> {
    await this.subject(caller, subject, 'identity:tokens:revoke');
    await this.tokens.revoke(subject!);
  }

  @Get('catalog')
  @Policy('identity:auth:catalog')
  getCatalog(@CurrentAuth() caller: AuthContext) {
    if (!caller.projectId) {
      throw forbidden('A scoped token is required to read the catalog.');
    }
    return {
      catalog: v3Catalog(this.catalog.entries(caller.projectId)),
      links: { self: `${this.base}/v3/auth/catalog`, previous: null, next: null },
    };
  }

  /** The projects the caller holds a role on (what a client may scope to). */
  @Get('projects')
  @Policy('identity:auth:projects')
  async myProjects(@CurrentAuth() caller: AuthContext) {
    const list = await this.projects.list({ userId: caller.userId, enabled: true });
    return collection(
      'projects',
      `${this.base}/v3/auth/projects`,
      list.map((p) => projectView(this.base, p)),
    );
  }

  /** Nefos has no domain or system role assignments: the lists are empty. */
  @Get('domains')
  @Policy('identity:auth:projects')
  myDomains() {
    return collection('domains', `${this.base}/v3/auth/domains`, []);
  }

  @Get('system')
  @Policy('identity:auth:projects')
  mySystem() {
    return { system: [], links: { self: `${this.base}/v3/auth/system` } };
  }

  private get base(): string {
    return `${this.config.api.publicUrl}/identity`;
  }

  private body(view: TokenView, nocatalog: string | undefined) {
    const withCatalog = nocatalog === undefined || nocatalog === 'false' || nocatalog === '0';
    return v3Token(view, withCatalog ? this.catalog.entries(view.project?.id ?? null) : null);
  }

  /** The token named by `X-Subject-Token`, if the caller may see it (its owner or an admin). */
  private async subject(
    caller: AuthContext,
    subject: string | undefined,
    action: string,
  ): Promise<TokenView> {
    if (!subject) throw badRequest('The X-Subject-Token header is required.');
    const view = await this.auth.view(subject);
    if (!view) throw new DomainError('itemNotFound', 'Could not find token.');
    if (view.user.id !== caller.userId && !caller.isAdmin) {
      throw forbidden(`You are not authorized to perform the requested action: ${action}.`);
    }
    return view;
  }
}
