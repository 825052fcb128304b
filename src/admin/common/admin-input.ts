import { z } from 'zod';
import { badRequest } from '../../common/errors/domain.error';

/** Validates a query or body; the first problem becomes a 400 that names the field. */
export function parseAdminInput<S extends z.ZodTypeAny>(
  schema: S,
  input: unknown,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data as z.output<S>;
  const issue = parsed.error.issues[0];
  const field = issue.path.join('.') || what;
  throw badRequest(`Invalid ${what} field ${field}: ${issue.message}`);
}

/** Query booleans: `true/false/1/0/yes/no`. */
export const queryBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], {
    errorMap: () => ({ message: 'expected true or false' }),
  })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const queryLimit = (max: number, dflt: number) =>
  z.coerce
    .number({ invalid_type_error: 'expected a number' })
    .int('expected a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(dflt);
