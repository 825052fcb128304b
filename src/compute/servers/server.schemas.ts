import { z } from 'zod/v4';
import {
  ipv4Schema,
  ipv6Schema,
  metadataSchema,
  nameSchema,
  uuidSchema,
} from '../common/validation';

const ref = z.union([z.string().min(1).max(255), z.int().nonnegative()]).transform(String);
const count = z
  .union([z.int(), z.string().regex(/^\d+$/, { message: 'must be a whole number' })])
  .transform((v) => Number(v))
  .pipe(z.int().min(1).max(1000));
const diskConfig = z.enum(['AUTO', 'MANUAL']);
const adminPass = z.string().max(255);
const base64 = z
  .string()
  .max(65535)
  .regex(/^[A-Za-z0-9+/\s]*={0,2}\s*$/, { message: 'must be base64-encoded' });

export const serverCreateSchema = z.strictObject({
  server: z.strictObject({
    name: nameSchema,
    imageRef: z.string().max(2048),
    flavorRef: ref,
    metadata: metadataSchema.optional(),
    key_name: z.string().min(1).max(255).optional(),
    adminPass: adminPass.optional(),
    accessIPv4: ipv4Schema.optional(),
    accessIPv6: ipv6Schema.optional(),
    user_data: base64.optional(),
    availability_zone: z.string().max(255).optional(),
    networks: z
      .array(
        z.strictObject({
          uuid: uuidSchema.optional(),
          fixed_ip: ipv4Schema.optional(),
          port: uuidSchema.optional(),
        }),
      )
      .max(8)
      .optional(),
    min_count: count.optional(),
    max_count: count.optional(),
    'OS-DCF:diskConfig': diskConfig.optional(),
    config_drive: z.union([z.boolean(), z.enum(['', 'true', 'True', 'false', 'False'])]).optional(),
    security_groups: z
      .array(z.strictObject({ name: z.string().min(1).max(255) }))
      .max(32)
      .optional(),
    personality: z
      .array(z.strictObject({ path: z.string().max(255), contents: base64 }))
      .max(0, { message: 'file injection is not supported; pass user_data instead' })
      .optional(),
    block_device_mapping_v2: z.array(z.unknown()).optional(),
    block_device_mapping: z.array(z.unknown()).optional(),
  }),
  'os:scheduler_hints': z.record(z.string(), z.unknown()).optional(),
  'OS-SCH-HNT:scheduler_hints': z.record(z.string(), z.unknown()).optional(),
});
export type ServerCreateBody = z.output<typeof serverCreateSchema>['server'];

export const serverUpdateSchema = z.strictObject({
  server: z.strictObject({
    name: nameSchema.optional(),
    accessIPv4: z.union([ipv4Schema, z.literal('')]).optional(),
    accessIPv6: z.union([ipv6Schema, z.literal('')]).optional(),
    'OS-DCF:diskConfig': diskConfig.optional(),
  }),
});

export const metadataBodySchema = z.strictObject({ metadata: metadataSchema });
export const metaItemBodySchema = z.strictObject({ meta: metadataSchema });

// ---- actions ----

/** `{"os-start": null}` and friends: Nova accepts null (and an empty object). */
export const noArguments = z.union([z.null(), z.strictObject({})]);

export const rebootSchema = z.strictObject({
  type: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['SOFT', 'HARD'])),
});

export const resizeSchema = z.strictObject({
  flavorRef: ref,
  'OS-DCF:diskConfig': diskConfig.optional(),
});

export const rebuildSchema = z.strictObject({
  imageRef: z.string().min(1).max(2048),
  name: nameSchema.optional(),
  adminPass: adminPass.optional(),
  metadata: metadataSchema.optional(),
  accessIPv4: z.union([ipv4Schema, z.literal('')]).optional(),
  accessIPv6: z.union([ipv6Schema, z.literal('')]).optional(),
  'OS-DCF:diskConfig': diskConfig.optional(),
  personality: z
    .array(z.unknown())
    .max(0, { message: 'file injection is not supported' })
    .optional(),
  preserve_ephemeral: z.boolean().optional(),
});

export const changePasswordSchema = z.strictObject({ adminPass: z.string().min(1).max(255) });

export const createImageSchema = z.strictObject({
  name: nameSchema,
  metadata: metadataSchema.optional(),
});
