import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { Prisma, User } from '../generated/prisma/client';

export interface UserFilter {
  name?: string;
  domainId?: string;
  enabled?: boolean;
}

export type NewUser = Pick<User, 'id' | 'name' | 'domainId' | 'passwordHash'> &
  Partial<Pick<User, 'email' | 'description' | 'enabled' | 'defaultProjectId'>>;

export type UserChanges = Partial<
  Pick<
    User,
    | 'name'
    | 'email'
    | 'description'
    | 'enabled'
    | 'defaultProjectId'
    | 'passwordHash'
    | 'passwordExpiresAt'
  >
>;

/** Identity users (Keystone's). Passwords arrive here already hashed. */
@Injectable()
export class UserRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(id: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  findByName(domainId: string, name: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { domainId_name: { domainId, name } } });
  }

  list(filter: UserFilter = {}): Promise<User[]> {
    const where: Prisma.UserWhereInput = {};
    if (filter.name !== undefined) where.name = filter.name;
    if (filter.domainId !== undefined) where.domainId = filter.domainId;
    if (filter.enabled !== undefined) where.enabled = filter.enabled;
    return this.prisma.user.findMany({ where, orderBy: [{ name: 'asc' }, { id: 'asc' }] });
  }

  create(user: NewUser): Promise<User> {
    return this.prisma.user.create({ data: user });
  }

  update(id: string, changes: UserChanges): Promise<User> {
    return this.prisma.user.update({ where: { id }, data: changes });
  }

  /** Removes the user with its tokens, role assignments and key pairs (cascade). */
  async delete(id: string): Promise<boolean> {
    const { count } = await this.prisma.user.deleteMany({ where: { id } });
    return count > 0;
  }

  /** Ends every live token of the user (password changed, user disabled). */
  async revokeTokens(userId: string): Promise<number> {
    const now = new Date();
    const { count } = await this.prisma.token.updateMany({
      where: { userId, revokedAt: null, expiresAt: { gt: now } },
      data: { revokedAt: now },
    });
    return count;
  }
}
