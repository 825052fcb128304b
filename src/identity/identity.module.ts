import { Global, Module } from '@nestjs/common';
import { IdentityAdmin, ProjectRepository, RoleRepository, UserRepository } from '@nefos/database';
import { CatalogRegistry } from './catalog/catalog.registry';
import { DirectoryController } from './keystone/directory.controller';
import { DiscoveryController } from './keystone/discovery.controller';
import { ProjectsController } from './keystone/projects.controller';
import { RolesController } from './keystone/roles.controller';
import { UsersController } from './keystone/users.controller';
import { V2TokensController } from './keystone/v2-tokens.controller';
import { V3AuthController } from './keystone/v3-auth.controller';
import { LoginRateLimiter } from './tokens/login-rate-limiter';
import { TokenService } from './tokens/token.service';

/**
 * The Keystone subset under `/identity`: tokens (v3 and v2.0), users, projects, roles, the
 * catalog. Global so that services can add themselves to the `CatalogRegistry`.
 */
@Global()
@Module({
  controllers: [
    DiscoveryController,
    V3AuthController,
    V2TokensController,
    UsersController,
    ProjectsController,
    RolesController,
    DirectoryController,
  ],
  providers: [
    UserRepository,
    ProjectRepository,
    RoleRepository,
    IdentityAdmin,
    LoginRateLimiter,
    TokenService,
    CatalogRegistry,
  ],
  exports: [CatalogRegistry, IdentityAdmin, ProjectRepository, UserRepository, RoleRepository],
})
export class IdentityModule {}
