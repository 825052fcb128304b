import { z } from 'zod/v4';
import { nameSchema } from '../common/validation';

/** Nova takes flavor numbers as integers or digit strings. */
const count = (min: number) =>
  z
    .union([z.int(), z.string().regex(/^\d+$/, { message: 'must be a whole number' })])
    .transform((v) => Number(v))
    .pipe(z.int().min(min).max(2_147_483_647));

export const flavorCreateSchema = z.strictObject({
  flavor: z.strictObject({
    name: nameSchema,
    id: z
      .string()
      .min(1)
      .max(255)
      .regex(/^(?! )[a-zA-Z0-9. _-]+(?<! )$/, {
        message: 'may hold letters, digits, ".", "_", "-" and inner spaces only',
      })
      .nullable()
      .optional(),
    ram: count(1),
    vcpus: count(1),
    disk: count(0),
    'OS-FLV-EXT-DATA:ephemeral': count(0).optional(),
    swap: z.union([count(0), z.literal('')]).optional(),
    rxtx_factor: z
      .union([z.number(), z.string().regex(/^\d+(\.\d+)?$/)])
      .transform((v) => Number(v))
      .pipe(z.number().positive().max(3.4e38))
      .optional(),
    'os-flavor-access:is_public': z.boolean().optional(),
  }),
});

const specKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\w.\-: ]+$/, { message: 'may hold letters, digits, "_", ".", "-", ":" and spaces' });

export const extraSpecsSchema = z.strictObject({
  extra_specs: z.record(
    specKey,
    z.union([z.string().max(255), z.number(), z.boolean()]).transform(String),
  ),
});
