import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { seed, type PrismaClient } from '../../libs/database/src';
import type { TestEnv } from '../support/test-env';
import { createTestIdentity, type RoleName, type TestIdentity } from '../support/identity-fixtures';

export const C = '/compute/v2.1';

/** The first-run seed (flavors m1.*, image nefos-tiny, the embedded backend, the public network). */
export async function seedCompute(prisma: PrismaClient, env: TestEnv): Promise<void> {
  await seed(prisma, env.config, {
    adminPassword: 'test-admin-password',
    rapiPassword: 'test-rapi-password',
    backendHypervisor: 'fake',
  });
}

export async function seededImageId(prisma: PrismaClient): Promise<string> {
  const image = await prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
  return image.id;
}

/** A caller with a token, and request helpers that send it. */
export interface Caller extends TestIdentity {
  get(path: string): request.Test;
  post(path: string, body?: unknown): request.Test;
  put(path: string, body?: unknown): request.Test;
  del(path: string): request.Test;
}

export async function caller(
  app: NestExpressApplication,
  prisma: PrismaClient,
  roles: RoleName[] = ['member'],
): Promise<Caller> {
  const id = await createTestIdentity(prisma, { roles });
  const http = (): ReturnType<typeof request> => request(app.getHttpServer());
  const withToken = (t: request.Test): request.Test => t.set('X-Auth-Token', id.token);
  return {
    ...id,
    get: (p) => withToken(http().get(p)),
    post: (p, b) => withToken(http().post(p)).send(b as object),
    put: (p, b) => withToken(http().put(p)).send(b as object),
    del: (p) => withToken(http().delete(p)),
  };
}

/** An OpenStack fault body: `{"<name>": {"code": N, "message": "..."}}`. */
export function fault(res: request.Response): { name: string; code: number; message: string } {
  const [name] = Object.keys(res.body as object);
  const inner = (res.body as Record<string, { code: number; message: string }>)[name];
  return { name, code: inner?.code, message: inner?.message };
}
