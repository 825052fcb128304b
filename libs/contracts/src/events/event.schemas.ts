import { z } from 'zod';

/** Ganeti opcode statuses (job queue op `status`). */
export const OP_STATUSES = [
  'queued',
  'waiting',
  'canceling',
  'running',
  'canceled',
  'success',
  'error',
] as const;
export type OpStatus = (typeof OP_STATUSES)[number];
export const FINAL_OP_STATUSES: readonly OpStatus[] = ['success', 'error', 'canceled'];

/** `[seconds, microseconds]` as Ganeti writes timestamps. */
export const ganetiTimestamp = z.tuple([
  z.number().int().nonnegative(),
  z.number().int().min(0).max(999999),
]);
export type GanetiTimestamp = z.infer<typeof ganetiTimestamp>;

const common = {
  cluster: z.string().min(1),
  jobId: z.number().int().nonnegative(),
  /** Index of the opcode inside its job. */
  opIndex: z.number().int().nonnegative().default(0),
  operation: z.string().regex(/^OP_[A-Z0-9_]+$/),
  status: z.enum(OP_STATUSES),
  eventTime: ganetiTimestamp,
  logmsg: z.string().default(''),
  result: z.unknown().optional(),
  /** The API request id carried in the job's `reason` trail, when there is one. */
  requestId: z.string().optional(),
};

export const nicSchema = z.object({
  index: z.number().int().nonnegative().optional(),
  mac: z.string().nullable().optional(),
  ip: z.string().nullable().optional(),
  network: z.string().nullable().optional(),
  networkName: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  uuid: z.string().nullable().optional(),
  mode: z.string().nullable().optional(),
  link: z.string().nullable().optional(),
});
export type NicInfo = z.infer<typeof nicSchema>;

export const diskSchema = z.object({
  index: z.number().int().nonnegative().optional(),
  size: z.number().nonnegative(),
  name: z.string().nullable().optional(),
  uuid: z.string().nullable().optional(),
});
export type DiskInfo = z.infer<typeof diskSchema>;

export const opEventSchema = z.object({
  type: z.literal('op'),
  ...common,
  instance: z.string().min(1),
  jobFields: z.record(z.unknown()).default({}),
  nics: z.array(nicSchema).optional(),
  disks: z.array(diskSchema).optional(),
  beparams: z.record(z.unknown()).optional(),
  hvparams: z.record(z.unknown()).optional(),
  /** Primary node of the instance, as read back with the NICs. */
  pnode: z.string().optional(),
});

export const networkEventSchema = z.object({
  type: z.literal('network'),
  ...common,
  /** Backend network name, when the event concerns a network object. */
  network: z.string().optional(),
  /** Instance whose NICs are reported (hooks), when the event concerns one. */
  instance: z.string().optional(),
  nics: z.array(nicSchema).optional(),
  firewall: z.array(z.object({ nic: z.number().int(), profile: z.string() })).optional(),
  jobFields: z.record(z.unknown()).default({}),
});

export const progressEventSchema = z.object({
  type: z.literal('progress'),
  ...common,
  instance: z.string().min(1),
  progress: z.number().min(0).max(100),
  messages: z.array(z.string()).optional(),
});

export const clusterEventSchema = z.object({
  type: z.literal('cluster'),
  ...common,
  /** `heartbeat` for the end-to-end check; otherwise what changed. */
  kind: z.string().min(1),
  heartbeatId: z.string().optional(),
  jobFields: z.record(z.unknown()).default({}),
});

export const eventMessageSchema = z.discriminatedUnion('type', [
  opEventSchema,
  networkEventSchema,
  progressEventSchema,
  clusterEventSchema,
]);

export type OpEvent = z.infer<typeof opEventSchema>;
export type NetworkEvent = z.infer<typeof networkEventSchema>;
export type ProgressEvent = z.infer<typeof progressEventSchema>;
export type ClusterEvent = z.infer<typeof clusterEventSchema>;
export type EventMessage = z.infer<typeof eventMessageSchema>;
/** What producers hand over: defaults may be omitted. */
export type EventMessageInput = z.input<typeof eventMessageSchema>;

export function parseEventMessage(
  data: unknown,
): { ok: true; message: EventMessage } | { ok: false; error: string } {
  const parsed = eventMessageSchema.safeParse(data);
  if (parsed.success) return { ok: true, message: parsed.data };
  return {
    ok: false,
    error: parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; '),
  };
}

/** Microseconds since the epoch: the unit of `Server.backendTime`. */
export function timestampToMicros(ts: GanetiTimestamp): bigint {
  return BigInt(ts[0]) * 1_000_000n + BigInt(ts[1]);
}
