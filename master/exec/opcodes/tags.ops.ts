import { z } from 'zod';
import { OpPrereqError } from '../../common/ganeti-errors';
import { touch } from '../../cluster/cluster-config.store';
import type { ClusterConfigData } from '../../cluster/cluster-config.types';
import { lockOf, type OpDefinition } from './op.types';
import { checkTags } from './schemas';
import type { LockRequest } from '../lock.manager';

const KINDS = ['cluster', 'instance', 'node', 'nodegroup', 'network'] as const;
type Kind = (typeof KINDS)[number];

const schema = z
  .object({
    kind: z.enum(KINDS),
    name: z.string().nullable().optional(),
    tags: z.array(z.string()),
    use_locking: z.boolean().optional(),
  })
  .strict();
type Params = z.infer<typeof schema>;

const MAX_TAGS = 4096;

/** The object holding the tags, or an OpPrereqError naming what is missing. */
function target(
  c: ClusterConfigData,
  kind: Kind,
  name: string | null | undefined,
): { tags: string[]; serial_no: number; mtime: number } {
  if (kind === 'cluster') return c.cluster;
  const table = { instance: c.instances, node: c.nodes, nodegroup: c.groups, network: c.networks }[
    kind
  ];
  const obj = name ? table[name] : undefined;
  if (!obj) {
    const label = {
      instance: 'Instance',
      node: 'Node',
      nodegroup: 'Node group',
      network: 'Network',
    }[kind];
    throw new OpPrereqError(`${label} '${name ?? ''}' not known`, 'unknown_entity');
  }
  return obj;
}

function locks(p: Params): LockRequest[] {
  if (p.kind === 'cluster') return [{ name: 'cluster-tags' }];
  if (p.kind === 'instance') return [lockOf.instance(p.name ?? '')];
  if (p.kind === 'node') return [lockOf.node(p.name ?? '')];
  if (p.kind === 'network') return [lockOf.network(p.name ?? '')];
  return [lockOf.group(p.name ?? '')];
}

/**
 * Adds tags. With dry-run it only checks, which is what the event pipeline's heartbeat relies on:
 * a real job that goes through the queue and changes nothing.
 */
export const tagsSetOp: OpDefinition<Params> = {
  id: 'OP_TAGS_SET',
  schema,
  locks,
  async run(ctx, p) {
    checkTags(p.tags);
    const current = target(
      structuredClone(ctx.services.config.get()) as ClusterConfigData,
      p.kind,
      p.name,
    );
    const merged = [...new Set([...current.tags, ...p.tags])];
    if (merged.length > MAX_TAGS) throw new OpPrereqError('Too many tags', 'wrong_input');
    if (ctx.dryRun) {
      ctx.log(
        `Checked tags ${p.tags.join(', ')} on ${p.kind}${p.name ? ` ${p.name}` : ''} (dry run)`,
      );
      return null;
    }
    ctx.commit((c) => {
      const obj = target(c, p.kind, p.name);
      obj.tags = merged;
      touch(obj);
    }, null);
    return null;
  },
};

export const tagsDelOp: OpDefinition<Params> = {
  id: 'OP_TAGS_DEL',
  schema,
  locks,
  async run(ctx, p) {
    checkTags(p.tags);
    const current = target(
      structuredClone(ctx.services.config.get()) as ClusterConfigData,
      p.kind,
      p.name,
    );
    const missing = p.tags.filter((t) => !current.tags.includes(t));
    if (missing.length) {
      throw new OpPrereqError(
        `Tag(s) ${missing.map((t) => `'${t}'`).join(', ')} not found`,
        'unknown_entity',
      );
    }
    if (ctx.dryRun) return null;
    ctx.commit((c) => {
      const obj = target(c, p.kind, p.name);
      obj.tags = obj.tags.filter((t) => !p.tags.includes(t));
      touch(obj);
    }, null);
    return null;
  },
};
