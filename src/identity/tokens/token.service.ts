import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  dummyPasswordHash,
  generateOpaqueToken,
  hashToken,
  NEFOS_CONFIG,
  NEFOS_LOGGER,
  verifyPassword,
  type Logger,
  type NefosConfig,
} from '@nefos/contracts';
import {
  ProjectRepository,
  RoleRepository,
  UserRepository,
  type Domain,
  type Project,
  type User,
} from '@nefos/database';
import { unauthorized } from '../../common/errors/domain.error';
import { AuthService } from '../auth/auth.service';
import { TokenRepository, type TokenView } from '../auth/token.repository';
import type { DomainRef, ProjectRef, ScopeRequest, UserRef } from './auth-body.schema';
import { LoginRateLimiter, type LoginAttempt } from './login-rate-limiter';

export interface IssuedToken {
  /** The bearer secret: shown to the client once, stored only as its hash. */
  token: string;
  view: TokenView;
}

const AUTH_REQUIRED = 'The request you have made requires authentication.';
const SWEEP_EVERY_MS = 15 * 60 * 1000;
/** Expired tokens are kept a day, so a late revocation or validation still finds them. */
const KEEP_EXPIRED_MS = 24 * 60 * 60 * 1000;

/**
 * Issues tokens: checks passwords (the same work for unknown users, so timing tells nothing),
 * counts failures, resolves the requested scope and stores the new token by its hash.
 */
@Injectable()
export class TokenService implements OnModuleInit, OnApplicationShutdown {
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly tokens: TokenRepository,
    private readonly auth: AuthService,
    private readonly users: UserRepository,
    private readonly projects: ProjectRepository,
    private readonly roles: RoleRepository,
    private readonly limiter: LoginRateLimiter,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  async sweep(): Promise<number> {
    try {
      return await this.tokens.deleteExpired(new Date(Date.now() - KEEP_EXPIRED_MS));
    } catch (err) {
      this.logger.warn({ err }, 'could not delete expired tokens');
      return 0;
    }
  }

  /** The password method: a user by id, or by name in a domain. */
  async withPassword(
    ref: UserRef,
    address: string,
    scope: ScopeRequest,
    methods: string[] = ['password'],
  ): Promise<IssuedToken> {
    const user = await this.checkPassword(ref, ref.password, address);
    const project = await this.resolveScope(user, scope);
    return this.issue(user, project, methods);
  }

  /**
   * Verifies a user's password with the failed-login accounting; throws the one 401 for an
   * unknown user, a wrong password and a disabled user or domain.
   */
  async checkPassword(
    ref: UserRef | { id: string },
    password: string,
    address: string,
    opts: { allowExpired?: boolean } = {},
  ): Promise<User> {
    const found = await this.findUser(ref);
    // Count a known user's failures by id, however it is named (id, name with domain id or
    // domain name), so switching forms gains a guesser nothing; unknown names count by name.
    const attempt: LoginAttempt = {
      user: found
        ? `id:${found.user.id}`
        : `unknown:${JSON.stringify(ref, ['id', 'name', 'domain'])}`,
      address,
    };
    await this.limiter.check(attempt);
    // Always run scrypt, against a dummy hash when there is no such user.
    const ok = await verifyPassword(
      password,
      found?.user.passwordHash ?? (await dummyPasswordHash()),
    );
    if (!found || !ok || !found.user.enabled || !found.domain.enabled) {
      await this.limiter.recordFailure(attempt);
      throw unauthorized(AUTH_REQUIRED);
    }
    await this.limiter.recordSuccess(attempt);
    const expires = found.user.passwordExpiresAt;
    if (expires && expires.getTime() <= Date.now() && !opts.allowExpired) {
      throw unauthorized(
        `The password is expired and needs to be changed for user: ${found.user.id}.`,
      );
    }
    return found.user;
  }

  /** The token method: a new token for the same user (rescoped), expiring no later than the old. */
  async withToken(tokenId: string, scope: ScopeRequest): Promise<IssuedToken> {
    const old = await this.auth.view(tokenId);
    if (!old) throw unauthorized(AUTH_REQUIRED);
    const user = await this.users.findById(old.user.id);
    if (!user) throw unauthorized(AUTH_REQUIRED);
    const project = await this.resolveScope(user, scope);
    const methods = [...new Set([...old.methods, 'token'])];
    return this.issue(user, project, methods, old.expiresAt, old.auditId);
  }

  async revoke(token: string): Promise<boolean> {
    return this.tokens.revoke(hashToken(token));
  }

  private async findUser(
    ref: UserRef | { id: string },
  ): Promise<{ user: User; domain: Domain } | null> {
    let user: User | null = null;
    if (ref.id !== undefined) {
      user = await this.users.findById(ref.id);
    } else {
      const r = ref as UserRef;
      const domain = await this.findDomain(r.domain!);
      if (domain && r.name !== undefined) user = await this.users.findByName(domain.id, r.name);
    }
    if (!user) return null;
    const domain = await this.projects.findDomainById(user.domainId);
    return domain ? { user, domain } : null;
  }

  private async findDomain(ref: DomainRef): Promise<Domain | null> {
    const domain =
      ref.id !== undefined
        ? await this.projects.findDomainById(ref.id)
        : (await this.projects.listDomains({ name: ref.name }))[0];
    if (!domain) return null;
    if (ref.name !== undefined && domain.name !== ref.name) return null;
    return domain;
  }

  /** The project to scope to, or null for an unscoped token. */
  private async resolveScope(user: User, scope: ScopeRequest): Promise<Project | null> {
    switch (scope.kind) {
      case 'unscoped':
        return null;
      case 'domain':
        throw unauthorized(
          `User ${user.id} has no access to domain ${scope.domain.id ?? scope.domain.name}`,
        );
      case 'system':
        throw unauthorized(`User ${user.id} has no access to the system`);
      case 'default': {
        // Keystone scopes a request without scope to the user's default project when usable.
        if (!user.defaultProjectId) return null;
        const project = await this.projects.findById(user.defaultProjectId);
        if (!project?.enabled) return null;
        const roles = await this.roles.rolesOn(user.id, project.id);
        return roles.length > 0 ? project : null;
      }
      case 'project': {
        const project = await this.findProject(scope.project);
        const label = scope.project.id ?? scope.project.name;
        if (!project || !project.enabled) {
          throw unauthorized(`User ${user.id} has no access to project ${label}`);
        }
        const domain = await this.projects.findDomainById(project.domainId);
        if (!domain?.enabled)
          throw unauthorized(`User ${user.id} has no access to project ${label}`);
        const roles = await this.roles.rolesOn(user.id, project.id);
        if (roles.length === 0) {
          throw unauthorized(`User ${user.id} has no access to project ${label}`);
        }
        return project;
      }
    }
  }

  private async findProject(ref: ProjectRef): Promise<Project | null> {
    if (ref.id !== undefined) {
      const project = await this.projects.findById(ref.id);
      if (project && ref.name !== undefined && project.name !== ref.name) return null;
      return project;
    }
    const domain = await this.findDomain(ref.domain!);
    return domain ? this.projects.findByName(domain.id, ref.name!) : null;
  }

  private async issue(
    user: User,
    project: Project | null,
    methods: string[],
    notAfter?: Date,
    parentAuditId?: string,
  ): Promise<IssuedToken> {
    const token = generateOpaqueToken();
    const hash = hashToken(token);
    const issuedAt = new Date();
    let expiresAt = new Date(issuedAt.getTime() + this.config.identity.tokenTtlSeconds * 1000);
    if (notAfter && notAfter < expiresAt) expiresAt = notAfter;
    await this.tokens.create({
      hash,
      userId: user.id,
      projectId: project?.id ?? null,
      methods,
      issuedAt,
      // Keystone's audit chain: a rescoped token names its own and its parent's audit id.
      auditId: parentAuditId
        ? `${randomBytes(16).toString('base64url')} ${parentAuditId.split(' ')[0]}`
        : randomBytes(16).toString('base64url'),
      expiresAt,
    });
    const view = await this.tokens.findView(hash);
    if (!view) throw new Error('a token just stored could not be read back');
    return { token, view };
  }
}
