import * as crypto from 'node:crypto';
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

/**
 * A server row as the dispatcher would have left it (state, task, job), for tests of views and of
 * state rules that must not depend on a running backend.
 */
export async function insertServer(
  prisma: PrismaClient,
  owner: { projectId: string; userId: string },
  opts: {
    name?: string;
    operstate?: 'BUILD' | 'STARTED' | 'STOPPED' | 'ERROR' | 'DESTROYED';
    task?: string | null;
    resizePending?: boolean;
    oldFlavorId?: string | null;
    flavorId?: string;
    deleted?: boolean;
    hostNode?: string | null;
    createdAt?: Date;
  } = {},
): Promise<string> {
  const backend = await prisma.backend.findFirstOrThrow();
  const image = await prisma.image.findFirstOrThrow({ where: { name: 'nefos-tiny' } });
  const id = crypto.randomUUID();
  await prisma.server.create({
    data: {
      id,
      name: opts.name ?? `srv-${id.slice(0, 6)}`,
      projectId: owner.projectId,
      userId: owner.userId,
      flavorId: opts.flavorId ?? '1',
      imageId: image.id,
      backendId: backend.id,
      instanceName: `nefos-${id}`,
      operstate: opts.operstate ?? 'STARTED',
      task: opts.task ?? null,
      resizePending: opts.resizePending ?? false,
      oldFlavorId: opts.oldFlavorId ?? null,
      backendJobId: 1,
      hostNode: opts.hostNode === undefined ? 'node1' : opts.hostNode,
      deleted: opts.deleted ?? false,
      launchedAt: new Date(),
      ...(opts.createdAt ? { createdAt: opts.createdAt } : {}),
    },
  });
  return id;
}
