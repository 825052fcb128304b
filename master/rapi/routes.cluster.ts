import { OpCode } from '@nefos/contracts';
import { DEFAULT_OS } from '../exec/opcodes/schemas';
import {
  JOB_FIELDS,
  J_FIELDS,
  J_FIELDS_BULK,
  jobInfo,
  type JobField,
} from '../queue/job-queue.service';
import { clusterInfo, groupFields, networkFields, nodeFields } from '../query/cluster.query';
import { badRequest, notFound } from './http-error';
import { bodyObject, dryRun, qInt, uriList, type RapiContext } from './rapi.context';
import type { RapiRequest, Route } from './rapi.server';
import { tagRoutes } from './routes.instances';

const NAME = '([^/]+)';
const FEATURES = [
  'instance-create-reqv1',
  'instance-reinstall-reqv1',
  'node-migrate-reqv1',
  'node-evac-res1',
];
const WAIT_TIMEOUT_MS = 10000;
const ROLES: Record<string, string> = {
  M: 'master',
  C: 'master-candidate',
  R: 'regular',
  D: 'drained',
  O: 'offline',
};

const mapFields = (fields: readonly string[], values: unknown[]): Record<string, unknown> =>
  Object.fromEntries(fields.map((f, i) => [f, values[i]]));

export function clusterRoutes(ctx: RapiContext): Route[] {
  const nodeDesc = async (name: string) => {
    await ctx.freshNodes();
    const c = ctx.config.get();
    return nodeFields(c, c.nodes[name], ctx.nodes, ctx.allocator);
  };
  const jobId = (req: RapiRequest): number => {
    if (!/^\d+$/.test(req.items[0])) throw badRequest(`Invalid job ID '${req.items[0]}'`);
    return Number(req.items[0]);
  };
  return [
    { pattern: /^\/$/, methods: { GET: { handler: () => null } } },
    { pattern: /^\/2$/, methods: { GET: { handler: () => null } } },
    { pattern: /^\/version$/, methods: { GET: { handler: () => 2 } } },
    {
      pattern: /^\/2\/info$/,
      methods: { GET: { handler: () => clusterInfo(ctx.config.get(), ctx.hypervisor) } },
    },
    { pattern: /^\/2\/features$/, methods: { GET: { handler: () => FEATURES } } },
    { pattern: /^\/2\/os$/, methods: { GET: { handler: () => [DEFAULT_OS] } } },
    {
      pattern: /^\/2\/tags$/,
      methods: {
        GET: { handler: () => ctx.config.get().cluster.tags },
        ...tagRoutes(ctx, 'cluster', 'tags', () => null),
      },
    },

    // ---- nodes ----
    {
      pattern: /^\/2\/nodes$/,
      methods: {
        GET: {
          handler: async (req) => {
            const names = Object.keys(ctx.config.get().nodes).sort();
            if (!qInt(req, 'bulk')) return uriList(names, (n) => `/2/nodes/${n}`, 'id');
            return Promise.all(names.map(nodeDesc));
          },
        },
        // Nefos extension: add a libvirt connection as a node (Ganeti's gnt-node add).
        POST: {
          handler: (req) =>
            ctx.submit(req, 'nodes', 'OP_NODE_ADD', req.body, { dry_run: dryRun(req) }),
        },
      },
    },
    {
      pattern: new RegExp(`^/2/nodes/${NAME}$`),
      methods: {
        GET: { handler: (req) => nodeDesc(ctx.node(req.items[0]).name) },
        DELETE: {
          handler: (req) =>
            ctx.submit(req, 'nodes_name', 'OP_NODE_REMOVE', null, { node_name: req.items[0] }),
        },
      },
    },
    {
      pattern: new RegExp(`^/2/nodes/${NAME}/role$`),
      methods: {
        GET: {
          handler: async (req) => ROLES[String((await nodeDesc(ctx.node(req.items[0]).name)).role)],
        },
        PUT: {
          handler: (req) => {
            if (typeof req.body !== 'string') throw badRequest("Body contents: Type is not 'str'");
            const role = req.body;
            const flags: Record<string, Record<string, boolean | null>> = {
              regular: { master_candidate: false, offline: false, drained: false },
              'master-candidate': { master_candidate: true, offline: null, drained: null },
              drained: { drained: true, master_candidate: null, offline: null },
              offline: { offline: true, master_candidate: null, drained: null },
            };
            if (!flags[role]) throw badRequest(`Can't set '${role}' role`);
            return ctx.submit(req, 'nodes_name_role', OpCode.NodeSetParams, null, {
              node_name: req.items[0],
              ...flags[role],
              force: Boolean(qInt(req, 'force')),
              auto_promote: Boolean(qInt(req, 'auto-promote')),
            });
          },
        },
      },
    },
    {
      pattern: new RegExp(`^/2/nodes/${NAME}/modify$`),
      methods: {
        POST: {
          handler: (req) =>
            ctx.submit(req, 'nodes_name_modify', OpCode.NodeSetParams, req.body, {
              node_name: req.items[0],
            }),
        },
      },
    },
    {
      pattern: new RegExp(`^/2/nodes/${NAME}/tags$`),
      methods: {
        GET: { handler: (req) => ctx.node(req.items[0]).tags },
        ...tagRoutes(ctx, 'node', 'nodes_name_tags', (req) => req.items[0]),
      },
    },

    // ---- groups ----
    {
      pattern: /^\/2\/groups$/,
      methods: {
        GET: {
          handler: (req) => {
            const names = Object.keys(ctx.config.get().groups).sort();
            if (!qInt(req, 'bulk')) return uriList(names, (n) => `/2/groups/${n}`, 'name');
            return names.map((n) => groupFields(ctx.config.get(), n));
          },
        },
      },
    },
    {
      pattern: new RegExp(`^/2/groups/${NAME}$`),
      methods: {
        GET: {
          handler: (req) => {
            if (!ctx.config.get().groups[req.items[0]])
              throw notFound(`Node group '${req.items[0]}' not known`);
            return groupFields(ctx.config.get(), req.items[0]);
          },
        },
      },
    },
    {
      pattern: new RegExp(`^/2/groups/${NAME}/tags$`),
      methods: {
        GET: { handler: (req) => ctx.config.get().groups[req.items[0]]?.tags ?? [] },
        ...tagRoutes(ctx, 'nodegroup', 'groups_name_tags', (req) => req.items[0]),
      },
    },

    // ---- networks ----
    {
      pattern: /^\/2\/networks$/,
      methods: {
        GET: {
          handler: (req) => {
            const names = Object.keys(ctx.config.get().networks).sort();
            if (!qInt(req, 'bulk')) return uriList(names, (n) => `/2/networks/${n}`, 'name');
            return names.map((n) => networkFields(ctx.config.get(), n));
          },
        },
        POST: {
          handler: (req) => {
            const { name, ...rest } = bodyObject(req);
            return ctx.submit(req, 'networks', OpCode.NetworkAdd, rest, {
              ...(name !== undefined ? { network_name: name } : {}),
              dry_run: dryRun(req),
            });
          },
        },
      },
    },
    {
      pattern: new RegExp(`^/2/networks/${NAME}$`),
      methods: {
        GET: {
          handler: (req) => {
            if (!ctx.config.get().networks[req.items[0]])
              throw notFound(`Network '${req.items[0]}' not known`);
            return networkFields(ctx.config.get(), req.items[0]);
          },
        },
        DELETE: {
          handler: (req) =>
            ctx.submit(req, 'networks_name', OpCode.NetworkRemove, req.body, {
              network_name: req.items[0],
              dry_run: dryRun(req),
            }),
        },
      },
    },
    ...(['connect', 'disconnect'] as const).map((action) => ({
      pattern: new RegExp(`^/2/networks/${NAME}/${action}$`),
      methods: {
        PUT: {
          handler: (req: RapiRequest) =>
            ctx.submit(
              req,
              `networks_name_${action}`,
              action === 'connect' ? OpCode.NetworkConnect : OpCode.NetworkDisconnect,
              req.body,
              {
                network_name: req.items[0],
                dry_run: dryRun(req),
              },
            ),
        },
      },
    })),
    {
      pattern: new RegExp(`^/2/networks/${NAME}/tags$`),
      methods: {
        GET: { handler: (req) => ctx.config.get().networks[req.items[0]]?.tags ?? [] },
        ...tagRoutes(ctx, 'network', 'networks_name_tags', (req) => req.items[0]),
      },
    },

    // ---- jobs ----
    {
      pattern: /^\/2\/jobs$/,
      methods: {
        GET: {
          handler: (req) => {
            const jobs = ctx.queue.list();
            if (!qInt(req, 'bulk'))
              return uriList(
                jobs.map((j) => j.id),
                (id) => `/2/jobs/${id}`,
                'id',
              );
            return jobs.map((j) => mapFields(J_FIELDS_BULK, jobInfo(j, J_FIELDS_BULK)));
          },
        },
      },
    },
    {
      pattern: /^\/2\/jobs\/([^/]+)$/,
      methods: {
        GET: {
          handler: (req) => mapFields(J_FIELDS, jobInfo(ctx.queue.get(jobId(req)), J_FIELDS)),
        },
        DELETE: { handler: (req) => ctx.queue.cancel(jobId(req)) },
      },
    },
    {
      pattern: /^\/2\/jobs\/([^/]+)\/wait$/,
      methods: {
        GET: {
          access: 'write',
          handler: async (req) => {
            const id = jobId(req);
            const body = bodyObject(req);
            if (!('fields' in body)) throw badRequest("Required parameter 'fields' is missing");
            const {
              fields,
              previous_job_info: prev = null,
              previous_log_serial: serial = null,
            } = body;
            if (!Array.isArray(fields)) throw badRequest("The 'fields' parameter should be a list");
            const unknown = fields.filter((f) => !(JOB_FIELDS as readonly unknown[]).includes(f));
            if (unknown.length) throw badRequest(`Unknown job field(s): ${unknown.join(', ')}`);
            if (prev !== null && !Array.isArray(prev))
              throw badRequest("The 'previous_job_info' parameter should be a list");
            if (serial !== null && !Number.isInteger(serial))
              throw badRequest("The 'previous_log_serial' parameter should be a number");
            const r = await ctx.queue.waitForChange(
              id,
              fields as JobField[],
              prev as unknown[] | null,
              serial as number | null,
              WAIT_TIMEOUT_MS,
              req.signal,
            );
            if (r === 'unknown') throw notFound();
            return r;
          },
        },
      },
    },
  ];
}
