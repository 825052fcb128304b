import type { z } from 'zod';
import { badRequest } from '../../common/errors/domain.error';

/** Validates a request body at the edge; the message names the first wrong field, as Keystone's. */
export function parseBody<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.join('.');
  throw badRequest(
    field
      ? `Invalid input for field '${field}': ${issue.message}`
      : `Invalid input: ${issue.message}`,
  );
}

/** `?enabled=` as Keystone reads it: absent, or a truthy/falsy word. */
export function parseBoolQuery(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  const v = String(value).toLowerCase();
  if (['', '1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw badRequest(`Invalid value for query parameter '${name}': ${String(value)}`);
}
