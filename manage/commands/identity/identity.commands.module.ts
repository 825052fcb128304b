import { Module } from '@nestjs/common';
import { IdentityAdmin, ProjectRepository, RoleRepository, UserRepository } from '@nefos/database';
import { ProjectCreateCommand, ProjectDeleteCommand, ProjectListCommand } from './project.commands';
import { RoleAddCommand, RoleListCommand, RoleRemoveCommand } from './role.commands';
import {
  UserCreateCommand,
  UserDeleteCommand,
  UserListCommand,
  UserSetCommand,
} from './user.commands';

@Module({
  providers: [
    UserRepository,
    ProjectRepository,
    RoleRepository,
    IdentityAdmin,
    UserCreateCommand,
    UserListCommand,
    UserDeleteCommand,
    UserSetCommand,
    ProjectCreateCommand,
    ProjectListCommand,
    ProjectDeleteCommand,
    RoleAddCommand,
    RoleRemoveCommand,
    RoleListCommand,
  ],
  exports: [IdentityAdmin],
})
export class IdentityCommandsModule {}
