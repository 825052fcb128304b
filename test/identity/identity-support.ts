import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { hashPassword } from '../../libs/contracts/src/crypto';
import { DEFAULT_DOMAIN_ID, seed, type PrismaClient } from '../../libs/database/src';
import type { TestEnv } from '../support/test-env';

export const ADMIN_PASSWORD = 'test-admin-password';

/** Seeds the test database as `npm start` does (admin user and project, roles, flavors, ...). */
export async function seedIdentity(prisma: PrismaClient, env: TestEnv) {
  return seed(prisma, env.config, {
    adminPassword: ADMIN_PASSWORD,
    rapiPassword: 'test-rapi-password',
    backendHypervisor: 'fake',
  });
}

/** A user with a real password and `roles` on a new (or named) project, made through the rows. */
export async function createPasswordUser(
  prisma: PrismaClient,
  opts: { name: string; password: string; roles: string[]; project?: string; enabled?: boolean },
): Promise<{ userId: string; projectId: string; projectName: string }> {
  const projectName = opts.project ?? `${opts.name}-project`;
  const hex = (): string => crypto.randomUUID().replace(/-/g, '');
  const project =
    (await prisma.project.findUnique({
      where: { domainId_name: { domainId: DEFAULT_DOMAIN_ID, name: projectName } },
    })) ??
    (await prisma.project.create({
      data: { id: hex(), name: projectName, domainId: DEFAULT_DOMAIN_ID },
    }));
  const user = await prisma.user.create({
    data: {
      id: hex(),
      name: opts.name,
      domainId: DEFAULT_DOMAIN_ID,
      passwordHash: await hashPassword(opts.password),
      defaultProjectId: project.id,
      enabled: opts.enabled ?? true,
    },
  });
  for (const name of opts.roles) {
    const role = await prisma.role.findUniqueOrThrow({ where: { name } });
    await prisma.roleAssignment.create({
      data: { userId: user.id, projectId: project.id, roleId: role.id },
    });
  }
  return { userId: user.id, projectId: project.id, projectName };
}

/** The v3 password body for a user by name in the Default domain, scoped to a project by name. */
export function passwordAuth(user: string, password: string, project?: string | null) {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user, domain: { name: 'Default' }, password } },
      },
      ...(project === null
        ? { scope: 'unscoped' }
        : project !== undefined
          ? { scope: { project: { name: project, domain: { id: 'default' } } } }
          : {}),
    },
  };
}

/** Logs in over HTTP and returns the token. */
export async function login(
  app: NestExpressApplication,
  user: string,
  password: string,
  project?: string,
): Promise<string> {
  const res = await request(app.getHttpServer())
    .post('/identity/v3/auth/tokens')
    .send(passwordAuth(user, password, project));
  if (res.status !== 201) throw new Error(`login ${user} failed: ${res.status} ${res.text}`);
  return res.headers['x-subject-token'] as string;
}

export const unauthorizedBody = {
  error: {
    code: 401,
    title: 'Unauthorized',
    message: 'The request you have made requires authentication.',
  },
};
