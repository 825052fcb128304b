import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { Role } from '../generated/prisma/client';

export interface AssignmentRow {
  role: { id: string; name: string };
  user: { id: string; name: string; domain: { id: string; name: string } };
  project: { id: string; name: string; domain: { id: string; name: string } };
}

/** Roles (fixed: admin, member, reader) and their assignments to users on projects. */
@Injectable()
export class RoleRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(filter: { name?: string } = {}): Promise<Role[]> {
    return this.prisma.role.findMany({ where: filter, orderBy: { name: 'asc' } });
  }

  findById(id: string): Promise<Role | null> {
    return this.prisma.role.findUnique({ where: { id } });
  }

  findByName(name: string): Promise<Role | null> {
    return this.prisma.role.findUnique({ where: { name } });
  }

  /** The roles a user holds on a project, by name. */
  async rolesOn(userId: string, projectId: string): Promise<Role[]> {
    const rows = await this.prisma.roleAssignment.findMany({
      where: { userId, projectId },
      select: { role: true },
      orderBy: { role: { name: 'asc' } },
    });
    return rows.map((r) => r.role);
  }

  async has(userId: string, projectId: string, roleId: string): Promise<boolean> {
    const row = await this.prisma.roleAssignment.findUnique({
      where: { userId_projectId_roleId: { userId, projectId, roleId } },
    });
    return row !== null;
  }

  /** Idempotent: assigning a role twice leaves one assignment. */
  async assign(userId: string, projectId: string, roleId: string): Promise<void> {
    await this.prisma.roleAssignment.upsert({
      where: { userId_projectId_roleId: { userId, projectId, roleId } },
      create: { userId, projectId, roleId },
      update: {},
    });
  }

  async unassign(userId: string, projectId: string, roleId: string): Promise<boolean> {
    const { count } = await this.prisma.roleAssignment.deleteMany({
      where: { userId, projectId, roleId },
    });
    return count > 0;
  }

  async assignments(
    filter: { userId?: string; projectId?: string; roleId?: string } = {},
  ): Promise<AssignmentRow[]> {
    const rows = await this.prisma.roleAssignment.findMany({
      where: filter,
      select: {
        role: { select: { id: true, name: true } },
        user: { select: { id: true, name: true, domain: { select: { id: true, name: true } } } },
        project: {
          select: { id: true, name: true, domain: { select: { id: true, name: true } } },
        },
      },
      orderBy: [{ projectId: 'asc' }, { userId: 'asc' }, { roleId: 'asc' }],
    });
    return rows;
  }
}
