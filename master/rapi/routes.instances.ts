import { OpCode } from '@nefos/contracts';
import { instanceFields } from '../query/cluster.query';
import { vncPortFromXml } from '../virt/domain-xml';
import { badRequest, HttpError } from './http-error';
import { bodyObject, dryRun, qInt, uriList, type RapiContext } from './rapi.context';
import type { RapiRequest, Route } from './rapi.server';

const NAME = '([^/]+)';

async function livePort(ctx: RapiContext, name: string): Promise<number | null> {
  const inst = ctx.config.get().instances[name];
  const node = inst && ctx.config.get().nodes[inst.pnode];
  if (!inst || !node || node.offline || ctx.hypervisor === 'fake') return null;
  if (!ctx.nodes.last(node.name)?.domains.get(name)?.active) return null;
  try {
    const xml = await (await ctx.nodes.connection(node)).xml(name);
    return xml ? vncPortFromXml(xml) : null;
  } catch {
    return null;
  }
}

async function describe(ctx: RapiContext, name: string): Promise<Record<string, unknown>> {
  const c = ctx.config.get();
  return instanceFields(c, c.instances[name], ctx.nodes, await livePort(ctx, name));
}

function tags(
  ctx: RapiContext,
  kind: string,
  resource: string,
  name: (req: RapiRequest) => string | null,
) {
  const submit = (opId: string) => (req: RapiRequest) =>
    ctx.submit(req, resource, opId, null, {
      kind,
      name: name(req),
      tags: req.query.getAll('tag'),
      dry_run: dryRun(req),
    });
  return {
    PUT: { handler: submit('OP_TAGS_SET') },
    DELETE: { handler: submit('OP_TAGS_DEL') },
  };
}

export { tags as tagRoutes };

export function instanceRoutes(ctx: RapiContext): Route[] {
  const inst = (req: RapiRequest) => ctx.instance(req.items[0]).name;
  return [
    {
      pattern: /^\/2\/instances$/,
      methods: {
        GET: {
          handler: async (req) => {
            const names = Object.keys(ctx.config.get().instances);
            if (!qInt(req, 'bulk')) return uriList(names, (n) => `/2/instances/${n}`, 'id');
            await ctx.freshNodes();
            return Promise.all(names.sort().map((n) => describe(ctx, n)));
          },
        },
        POST: {
          handler: (req) => {
            const body = bodyObject(req);
            const version = body.__version__ ?? 0;
            if (version === 0)
              throw badRequest('Instance creation request version 0 is no longer supported');
            if (version !== 1)
              throw badRequest(`Unsupported request data version ${String(version)}`);
            const { __version__: _v, name, os, ...rest } = body;
            if (name !== undefined && rest.instance_name !== undefined) {
              throw badRequest(
                "Parameter 'name' was renamed to 'instance_name', but both are specified",
              );
            }
            return ctx.submit(req, 'instances', OpCode.InstanceCreate, rest, {
              ...(name !== undefined ? { instance_name: name } : {}),
              ...(os !== undefined ? { os_type: os } : {}),
              dry_run: dryRun(req),
            });
          },
        },
      },
    },
    {
      pattern: new RegExp(`^/2/instances/${NAME}$`),
      methods: {
        GET: {
          handler: async (req) => {
            const name = inst(req);
            await ctx.freshNodes();
            return describe(ctx, name);
          },
        },
        DELETE: {
          handler: (req) => {
            const shutdown = req.query.get('shutdown_timeout');
            return ctx.submit(req, 'instances_name', OpCode.InstanceRemove, req.body, {
              instance_name: req.items[0],
              ignore_failures: false,
              ...(shutdown !== null ? { shutdown_timeout: qInt(req, 'shutdown_timeout') } : {}),
              dry_run: dryRun(req),
            });
          },
        },
      },
    },
    {
      pattern: new RegExp(`^/2/instances/${NAME}/info$`),
      methods: {
        GET: {
          handler: (req) =>
            ctx.submit(req, 'instances_name_info', OpCode.InstanceQueryData, null, {
              instances: [req.items[0]],
              static: Boolean(qInt(req, 'static')),
            }),
        },
      },
    },
    {
      pattern: new RegExp(`^/2/instances/${NAME}/startup$`),
      methods: {
        PUT: {
          handler: (req) =>
            ctx.submit(req, 'instances_name_startup', OpCode.InstanceStartup, null, {
              instance_name: req.items[0],
              force: Boolean(qInt(req, 'force')),
              no_remember: Boolean(qInt(req, 'no_remember')),
              dry_run: dryRun(req),
            }),
        },
      },
    },
    {
      pattern: new RegExp(`^/2/instances/${NAME}/shutdown$`),
      methods: {
        PUT: {
          handler: (req) =>
            ctx.submit(req, 'instances_name_shutdown', OpCode.InstanceShutdown, req.body, {
              instance_name: req.items[0],
              no_remember: Boolean(qInt(req, 'no_remember')),
              dry_run: dryRun(req),
            }),
        },
      },
    },
    {
      pattern: new RegExp(`^/2/instances/${NAME}/reboot$`),
      methods: {
        POST: {
          handler: (req) => {
            const type = req.query.get('type') ?? 'hard';
            if (!['soft', 'hard', 'full'].includes(type)) {
              throw badRequest(
                `Invalid body parameters: reboot_type: '${type}' is not one of soft, hard, full`,
              );
            }
            return ctx.submit(req, 'instances_name_reboot', OpCode.InstanceReboot, req.body, {
              instance_name: req.items[0],
              reboot_type: type,
              ignore_secondaries: Boolean(qInt(req, 'ignore_secondaries')),
              dry_run: dryRun(req),
            });
          },
        },
      },
    },
    {
      pattern: new RegExp(`^/2/instances/${NAME}/modify$`),
      methods: {
        PUT: {
          handler: (req) => {
            const { custom_beparams, custom_hvparams, ...body } = bodyObject(req);
            return ctx.submit(
              req,
              'instances_name_modify',
              OpCode.InstanceSetParams,
              {
                ...body,
                ...(custom_beparams ? { beparams: custom_beparams } : {}),
                ...(custom_hvparams ? { hvparams: custom_hvparams } : {}),
              },
              { instance_name: req.items[0], dry_run: dryRun(req) },
            );
          },
        },
      },
    },
    {
      pattern: new RegExp(`^/2/instances/${NAME}/disk/(\\d+)/grow$`),
      methods: {
        POST: {
          handler: (req) =>
            ctx.submit(req, 'instances_name_disk_grow', 'OP_INSTANCE_GROW_DISK', req.body, {
              instance_name: req.items[0],
              disk: Number(req.items[1]),
            }),
        },
      },
    },
    {
      pattern: new RegExp(`^/2/instances/${NAME}/reinstall$`),
      methods: {
        POST: {
          handler: (req) => {
            let body = bodyObject(req);
            if (
              req.body !== null &&
              [...req.query.keys()].some((k) => k === 'os' || k === 'nostartup')
            ) {
              throw badRequest("Can't combine query and body parameters");
            }
            if (req.body === null && (req.query.has('os') || req.query.has('nostartup'))) {
              body = { os: req.query.get('os') ?? undefined, start: !qInt(req, 'nostartup') };
            }
            const { os, start = true, osparams, __version__: _v } = body;
            if (typeof start !== 'boolean')
              throw badRequest("'start' parameter: Type is not 'bool'");
            const name = req.items[0];
            const ops: Array<[string, unknown, Record<string, unknown>]> = [
              [OpCode.InstanceShutdown, null, { instance_name: name }],
              [
                OpCode.InstanceReinstall,
                null,
                {
                  instance_name: name,
                  ...(os ? { os_type: os } : {}),
                  ...(osparams ? { osparams } : {}),
                },
              ],
            ];
            if (start)
              ops.push([OpCode.InstanceStartup, null, { instance_name: name, force: false }]);
            return ctx.submitMany(req, 'instances_name_reinstall', ops);
          },
        },
      },
    },
    {
      pattern: new RegExp(`^/2/instances/${NAME}/console$`),
      methods: {
        GET: {
          handler: async (req) => {
            const name = inst(req);
            await ctx.freshNodes();
            const c = ctx.config.get();
            const i = c.instances[name];
            const node = c.nodes[i.pnode];
            const port = ctx.hypervisor === 'fake' ? i.network_port : await livePort(ctx, name);
            const running = Boolean(ctx.nodes.last(i.pnode)?.domains.get(name)?.active);
            if (!running || !port) throw new HttpError(503, 'Instance console unavailable');
            const host = String(i.hvparams.vnc_bind_address || node.primary_ip);
            return {
              instance: name,
              kind: 'vnc',
              message: null,
              host,
              port,
              user: null,
              command: null,
              display: port - 5900,
            };
          },
        },
      },
    },
    {
      pattern: new RegExp(`^/2/instances/${NAME}/tags$`),
      methods: {
        GET: { handler: (req) => ctx.instance(req.items[0]).tags },
        ...tags(ctx, 'instance', 'instances_name_tags', (req) => req.items[0]),
      },
    },
  ];
}
