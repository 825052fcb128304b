import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { Domain, Prisma, Project } from '../generated/prisma/client';

export interface ProjectFilter {
  name?: string;
  domainId?: string;
  enabled?: boolean;
  /** Only projects this user holds a role on. */
  userId?: string;
}

export type NewProject = Pick<Project, 'id' | 'name' | 'domainId'> &
  Partial<Pick<Project, 'description' | 'enabled'>>;

export type ProjectChanges = Partial<Pick<Project, 'name' | 'description' | 'enabled'>>;

/** What a project still owns; a project is deleted only when all of these are zero. */
export interface ProjectHoldings {
  servers: number;
  networks: number;
  volumes: number;
  floatingIps: number;
}

/** Identity projects (Keystone's tenants) and their domains. */
@Injectable()
export class ProjectRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(id: string): Promise<Project | null> {
    return this.prisma.project.findUnique({ where: { id } });
  }

  findByName(domainId: string, name: string): Promise<Project | null> {
    return this.prisma.project.findUnique({ where: { domainId_name: { domainId, name } } });
  }

  list(filter: ProjectFilter = {}): Promise<Project[]> {
    const where: Prisma.ProjectWhereInput = {};
    if (filter.name !== undefined) where.name = filter.name;
    if (filter.domainId !== undefined) where.domainId = filter.domainId;
    if (filter.enabled !== undefined) where.enabled = filter.enabled;
    if (filter.userId !== undefined) where.assignments = { some: { userId: filter.userId } };
    return this.prisma.project.findMany({ where, orderBy: [{ name: 'asc' }, { id: 'asc' }] });
  }

  create(project: NewProject): Promise<Project> {
    return this.prisma.project.create({ data: project });
  }

  update(id: string, changes: ProjectChanges): Promise<Project> {
    return this.prisma.project.update({ where: { id }, data: changes });
  }

  async holdings(projectId: string): Promise<ProjectHoldings> {
    const [servers, networks, volumes, floatingIps] = await Promise.all([
      this.prisma.server.count({ where: { projectId, deleted: false } }),
      this.prisma.network.count({ where: { projectId, deleted: false } }),
      this.prisma.volume.count({ where: { projectId, deleted: false } }),
      this.prisma.ipAddress.count({ where: { projectId, floating: true } }),
    ]);
    return { servers, networks, volumes, floatingIps };
  }

  /** Removes the project with its role assignments, quotas and usage (cascade). */
  async delete(id: string): Promise<boolean> {
    const { count } = await this.prisma.project.deleteMany({ where: { id } });
    return count > 0;
  }

  findDomain(idOrName: string): Promise<Domain | null> {
    return this.prisma.domain.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] } });
  }

  findDomainById(id: string): Promise<Domain | null> {
    return this.prisma.domain.findUnique({ where: { id } });
  }

  listDomains(filter: { name?: string; enabled?: boolean } = {}): Promise<Domain[]> {
    return this.prisma.domain.findMany({ where: filter, orderBy: { name: 'asc' } });
  }
}
