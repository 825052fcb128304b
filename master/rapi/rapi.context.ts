import type { ClusterConfigStore } from '../cluster/cluster-config.store';
import type { Allocator } from '../exec/allocator';
import { buildOpInput, InvalidOpcodeError } from '../exec/opcodes/opcode.registry';
import type { NodeRegistry } from '../nodes/node.registry';
import type { JobQueue } from '../queue/job-queue.service';
import { badRequest, HttpError, notFound } from './http-error';
import type { RapiRequest } from './rapi.server';

/** What the RAPI resources read and how they submit jobs. */
export class RapiContext {
  draining = false;

  constructor(
    readonly config: ClusterConfigStore,
    readonly queue: JobQueue,
    readonly nodes: NodeRegistry,
    readonly allocator: Allocator,
    readonly hypervisor: string,
  ) {}

  /** Refreshes nodes whose last contact is older than a second (GETs report live state). */
  async freshNodes(): Promise<void> {
    const now = Date.now();
    await Promise.all(
      Object.values(this.config.get().nodes)
        .filter((n) => !n.offline && now - (this.nodes.last(n.name)?.at ?? 0) > 1000)
        .map((n) => this.nodes.refresh(n)),
    );
  }

  /** Submits a one-op job built from RAPI input; opcode validation errors are 400s. */
  submit(
    req: RapiRequest,
    resource: string,
    opId: string,
    body: unknown,
    fixed: Record<string, unknown>,
  ): number {
    return this.submitMany(req, resource, [[opId, body, fixed]]);
  }

  submitMany(
    req: RapiRequest,
    resource: string,
    ops: Array<[string, unknown, Record<string, unknown>]>,
  ): number {
    if (this.draining) throw new HttpError(503, 'Job queue is drained, cannot submit');
    const user = req.query.get('reason');
    const inputs = ops.map(([opId, body, fixed]) => {
      if (
        body !== null &&
        body !== undefined &&
        (typeof body !== 'object' || Array.isArray(body))
      ) {
        throw badRequest(
          `Body contents: Type is '${Array.isArray(body) ? 'list' : typeof body}', but 'dict' is expected`,
        );
      }
      const params = { ...((body as Record<string, unknown>) ?? {}) };
      const overwritten = Object.keys(fixed).filter((k) => k in params && k !== 'dry_run');
      if (overwritten.length)
        throw badRequest(`Can't overwrite static parameters ${overwritten.join(', ')}`);
      try {
        return buildOpInput(
          opId,
          { ...params, ...fixed },
          { user, source: `gnt:library:rlib2:${resource}` },
        );
      } catch (err) {
        if (err instanceof InvalidOpcodeError) throw badRequest(err.message);
        throw err;
      }
    });
    return this.queue.submit(inputs);
  }

  instance(name: string) {
    const inst = this.config.get().instances[name];
    if (!inst) throw notFound(`Instance '${name}' not known`);
    return inst;
  }

  node(name: string) {
    const node = this.config.get().nodes[name];
    if (!node) throw notFound(`Node '${name}' not known`);
    return node;
  }
}

/** `?name=1` style flags; anything but an integer is a 400 as in Ganeti. */
export function qInt(req: RapiRequest, name: string, fallback = 0): number {
  const v = req.query.get(name);
  if (v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`Invalid value for the '${name}' parameter`);
  return n;
}

export const dryRun = (req: RapiRequest): boolean => Boolean(qInt(req, 'dry-run'));

export function bodyObject(req: RapiRequest): Record<string, unknown> {
  if (req.body === null) return {};
  if (typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw badRequest('Invalid body contents, not a dictionary');
  }
  return req.body as Record<string, unknown>;
}

export function uriList<T extends string | number>(
  ids: T[],
  format: (id: T) => string,
  key: 'id' | 'name',
): Array<Record<string, T | string>> {
  return [...ids]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((id) => ({ [key]: id, uri: format(id) }));
}
