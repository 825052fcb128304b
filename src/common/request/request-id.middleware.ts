import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The id of the request being served, for logs, RAPI `reason` trails and server trails. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Every response carries `x-openstack-request-id` and `x-compute-request-id` (`req-<uuid>`). */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const requestId = `req-${randomUUID()}`;
  res.setHeader('x-openstack-request-id', requestId);
  res.setHeader('x-compute-request-id', requestId);
  (req as Request & { requestId: string }).requestId = requestId;
  storage.run({ requestId }, () => next());
}
