import { Injectable } from '@nestjs/common';
import { hashPassword } from '@nefos/contracts';
import type { Domain, Project, Role, User } from '../generated/prisma/client';
import { DEFAULT_DOMAIN_ID } from '../seed/seed';
import { isUniqueViolation, newIdentityId } from './identity.errors';
import { ProjectRepository } from './project.repository';
import { RoleRepository } from './role.repository';
import { UserRepository } from './user.repository';

export type IdentityErrorKind = 'conflict' | 'notFound' | 'invalid';

/** A refused identity change; the API maps `kind` to 409/404/400, the CLI prints the message. */
export class IdentityError extends Error {
  constructor(
    readonly kind: IdentityErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityError';
  }
}

/** Stored for users created without a password: no password ever verifies against it. */
export const NO_PASSWORD = '!';
export const MIN_PASSWORD_LENGTH = 8;

const HOLDING_NAMES = {
  servers: ['server', 'servers'],
  networks: ['network', 'networks'],
  volumes: ['volume', 'volumes'],
  floatingIps: ['floating IP', 'floating IPs'],
} as const;

export interface UserInput {
  name: string;
  domainId?: string;
  password?: string | null;
  email?: string | null;
  description?: string;
  enabled?: boolean;
  defaultProjectId?: string | null;
}

export interface ProjectInput {
  name: string;
  domainId?: string;
  description?: string;
  enabled?: boolean;
}

function checkName(kind: string, name: string): string {
  if (name.length === 0 || name.length > 255 || name.trim() !== name || /[\p{Cc}]/u.test(name)) {
    throw new IdentityError(
      'invalid',
      `Invalid ${kind} name: 1 to 255 characters, no control characters and no leading or trailing spaces.`,
    );
  }
  return name;
}

function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > 4096) {
    throw new IdentityError(
      'invalid',
      `Password validation error: a password has ${MIN_PASSWORD_LENGTH} to 4096 characters.`,
    );
  }
  return password;
}

/**
 * User, project and role administration with its rules (unique names per domain, existing
 * domains and default projects, no deleting a project that still owns resources), shared by the
 * identity API and `nefos-manage`.
 */
@Injectable()
export class IdentityAdmin {
  constructor(
    readonly users: UserRepository,
    readonly projects: ProjectRepository,
    readonly roles: RoleRepository,
  ) {}

  async domain(idOrName: string = DEFAULT_DOMAIN_ID): Promise<Domain> {
    const domain = await this.projects.findDomain(idOrName);
    if (!domain) throw new IdentityError('notFound', `Could not find domain: ${idOrName}.`);
    return domain;
  }

  /** A user by id, else by name in the domain. */
  async findUser(ref: string, domainId: string = DEFAULT_DOMAIN_ID): Promise<User> {
    const user = (await this.users.findById(ref)) ?? (await this.users.findByName(domainId, ref));
    if (!user) throw new IdentityError('notFound', `Could not find user: ${ref}.`);
    return user;
  }

  async findProject(ref: string, domainId: string = DEFAULT_DOMAIN_ID): Promise<Project> {
    const project =
      (await this.projects.findById(ref)) ?? (await this.projects.findByName(domainId, ref));
    if (!project) throw new IdentityError('notFound', `Could not find project: ${ref}.`);
    return project;
  }

  async findRole(ref: string): Promise<Role> {
    const role = (await this.roles.findById(ref)) ?? (await this.roles.findByName(ref));
    if (!role) throw new IdentityError('notFound', `Could not find role: ${ref}.`);
    return role;
  }

  async createUser(input: UserInput): Promise<User> {
    const domain = await this.domain(input.domainId);
    const name = checkName('user', input.name);
    if (input.defaultProjectId) await this.checkDefaultProject(input.defaultProjectId);
    const passwordHash = input.password
      ? await hashPassword(checkPassword(input.password))
      : NO_PASSWORD;
    if (await this.users.findByName(domain.id, name)) throw this.duplicate('user', name, domain.id);
    try {
      return await this.users.create({
        id: newIdentityId(),
        name,
        domainId: domain.id,
        passwordHash,
        email: input.email ?? null,
        description: input.description ?? '',
        enabled: input.enabled ?? true,
        defaultProjectId: input.defaultProjectId ?? null,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw this.duplicate('user', name, domain.id);
      throw err;
    }
  }

  /** Changes a user; a new password or disabling the user ends the user's tokens. */
  async updateUser(id: string, changes: Partial<Omit<UserInput, 'domainId'>>): Promise<User> {
    const user = await this.findUserById(id);
    const data: Parameters<UserRepository['update']>[1] = {};
    if (changes.name !== undefined && changes.name !== user.name) {
      data.name = checkName('user', changes.name);
      if (await this.users.findByName(user.domainId, data.name)) {
        throw this.duplicate('user', data.name, user.domainId);
      }
    }
    if (changes.email !== undefined) data.email = changes.email;
    if (changes.description !== undefined) data.description = changes.description;
    if (changes.enabled !== undefined) data.enabled = changes.enabled;
    if (changes.defaultProjectId !== undefined) {
      if (changes.defaultProjectId) await this.checkDefaultProject(changes.defaultProjectId);
      data.defaultProjectId = changes.defaultProjectId;
    }
    if (changes.password !== undefined) {
      data.passwordHash = changes.password
        ? await hashPassword(checkPassword(changes.password))
        : NO_PASSWORD;
      data.passwordExpiresAt = null;
    }
    let updated: User;
    try {
      updated = await this.users.update(id, data);
    } catch (err) {
      if (isUniqueViolation(err)) throw this.duplicate('user', data.name ?? '', user.domainId);
      throw err;
    }
    if (data.passwordHash !== undefined || data.enabled === false) {
      await this.users.revokeTokens(id);
    }
    return updated;
  }

  async deleteUser(id: string): Promise<void> {
    if (!(await this.users.delete(id))) {
      throw new IdentityError('notFound', `Could not find user: ${id}.`);
    }
  }

  async createProject(input: ProjectInput): Promise<Project> {
    const domain = await this.domain(input.domainId);
    const name = checkName('project', input.name);
    if (await this.projects.findByName(domain.id, name)) {
      throw this.duplicate('project', name, domain.id);
    }
    try {
      return await this.projects.create({
        id: newIdentityId(),
        name,
        domainId: domain.id,
        description: input.description ?? '',
        enabled: input.enabled ?? true,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw this.duplicate('project', name, domain.id);
      throw err;
    }
  }

  async updateProject(
    id: string,
    changes: Partial<Omit<ProjectInput, 'domainId'>>,
  ): Promise<Project> {
    const project = await this.findProjectById(id);
    const data: Parameters<ProjectRepository['update']>[1] = {};
    if (changes.name !== undefined && changes.name !== project.name) {
      data.name = checkName('project', changes.name);
      if (await this.projects.findByName(project.domainId, data.name)) {
        throw this.duplicate('project', data.name, project.domainId);
      }
    }
    if (changes.description !== undefined) data.description = changes.description;
    if (changes.enabled !== undefined) data.enabled = changes.enabled;
    try {
      return await this.projects.update(id, data);
    } catch (err) {
      if (isUniqueViolation(err))
        throw this.duplicate('project', data.name ?? '', project.domainId);
      throw err;
    }
  }

  /** Refused while the project still owns servers, networks, volumes or floating IPs. */
  async deleteProject(id: string): Promise<void> {
    await this.findProjectById(id);
    const held = await this.projects.holdings(id);
    const left = Object.entries(held).filter(([, n]) => n > 0);
    if (left.length > 0) {
      const what = left.map(([k, n]) => {
        const [one, many] = HOLDING_NAMES[k as keyof typeof HOLDING_NAMES];
        return `${n} ${n === 1 ? one : many}`;
      });
      throw new IdentityError(
        'conflict',
        `Project ${id} still owns ${what.join(', ')}; delete them first.`,
      );
    }
    if (!(await this.projects.delete(id))) {
      throw new IdentityError('notFound', `Could not find project: ${id}.`);
    }
  }

  async assignRole(userId: string, projectId: string, roleId: string): Promise<void> {
    await Promise.all([
      this.findUserById(userId),
      this.findProjectById(projectId),
      this.findRoleById(roleId),
    ]);
    await this.roles.assign(userId, projectId, roleId);
  }

  async unassignRole(userId: string, projectId: string, roleId: string): Promise<void> {
    if (!(await this.roles.unassign(userId, projectId, roleId))) {
      throw new IdentityError(
        'notFound',
        `Could not find role assignment with role: ${roleId}, user or group: ${userId}, project, domain, or system: ${projectId}.`,
      );
    }
  }

  async findUserById(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new IdentityError('notFound', `Could not find user: ${id}.`);
    return user;
  }

  async findProjectById(id: string): Promise<Project> {
    const project = await this.projects.findById(id);
    if (!project) throw new IdentityError('notFound', `Could not find project: ${id}.`);
    return project;
  }

  async findRoleById(id: string): Promise<Role> {
    const role = await this.roles.findById(id);
    if (!role) throw new IdentityError('notFound', `Could not find role: ${id}.`);
    return role;
  }

  private async checkDefaultProject(id: string): Promise<void> {
    if (!(await this.projects.findById(id))) {
      throw new IdentityError('invalid', `default_project_id ${id} is not a valid project.`);
    }
  }

  private duplicate(kind: string, name: string, domainId: string): IdentityError {
    return new IdentityError(
      'conflict',
      `Conflict occurred attempting to store ${kind} - Duplicate entry found with name ${name} at domain ID ${domainId}.`,
    );
  }
}
