import { z } from 'zod/v4';
import { badRequest, DomainError } from '../../common/errors/domain.error';

type Issue = z.core.$ZodIssue;

function fieldName(root: string, path: PropertyKey[]): string {
  return [root, ...path.map(String)].filter(Boolean).join('.');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`.slice(0, 80);
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** One issue in words that name the field, in the spirit of Nova's jsonschema messages. */
export function issueMessage(root: string, issue: Issue, input: unknown): string {
  const field = fieldName(root, issue.path);
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `Invalid input for field/attribute ${field}: it is required`;
      return `Invalid input for field/attribute ${field}: expected ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}, got ${describe(value)}`;
    case 'unrecognized_keys':
      return `Invalid input for field/attribute ${field || root}: additional properties are not allowed (${issue.keys.map((k) => `'${k}'`).join(', ')} ${issue.keys.length === 1 ? 'was' : 'were'} unexpected)`;
    case 'too_big':
      return issue.origin === 'string'
        ? `Invalid input for field/attribute ${field}: must be at most ${issue.maximum} characters long`
        : issue.origin === 'array' || issue.origin === 'set'
          ? `Invalid input for field/attribute ${field}: must have at most ${issue.maximum} items`
          : `Invalid input for field/attribute ${field}: must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string'
        ? Number(issue.minimum) === 1
          ? `Invalid input for field/attribute ${field}: must not be empty`
          : `Invalid input for field/attribute ${field}: must be at least ${issue.minimum} characters long`
        : issue.origin === 'array' || issue.origin === 'set'
          ? `Invalid input for field/attribute ${field}: must have at least ${issue.minimum} items`
          : `Invalid input for field/attribute ${field}: must be at least ${issue.minimum}`;
    case 'invalid_value':
      return `Invalid input for field/attribute ${field}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return `Invalid input for field/attribute ${field}: ${issue.message}`;
    case 'invalid_union': {
      // Report the alternative whose type matched (its problem is the useful one), if any.
      const branch = issue.errors.find((e) => e.length > 0 && e[0].code !== 'invalid_type');
      if (branch) {
        const inner = branch[0];
        return issueMessage(
          root,
          { ...inner, path: [...issue.path, ...inner.path] } as Issue,
          input,
        );
      }
      return `Invalid input for field/attribute ${field}: unexpected ${describe(value)}`;
    }
    default:
      return `Invalid input for field/attribute ${field}: ${issue.message}`;
  }
}

/** Validates a request body (or part of one) and turns the first problem into a 400 naming it. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new DomainError('badRequest', issueMessage(root, result.error.issues[0], input));
}

/** A JSON object body (`{"server": {...}}`), or 400 when the body is missing or something else. */
export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The request body is missing or is not a JSON object');
  }
  return body as Record<string, unknown>;
}

// ---- shared field schemas ----

const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u;

/** Nova's `name`: 1-255 printable characters without leading or trailing whitespace. */
export const nameSchema = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => PRINTABLE.test(s), 'must not contain control characters')
  .refine((s) => s.trim() === s, 'must not start or end with whitespace');

/** Server and image metadata: up to 255-character keys and values. */
export const metadataSchema = z.record(
  z
    .string()
    .min(1)
    .max(255)
    .refine((s) => PRINTABLE.test(s), 'keys must not contain control characters'),
  z.string().max(255),
);

export const uuidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/, {
    message: 'must be a UUID',
  });

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const ipv4Schema = z.string().regex(IPV4, { message: 'must be an IPv4 address' });
export const ipv6Schema = z.string().refine((s) => isIpv6(s), 'must be an IPv6 address');

export function isIpv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return false;
  const double = s.split('::');
  if (double.length > 2) return false;
  const groups = (part: string): string[] => (part ? part.split(':') : []);
  const head = groups(double[0]);
  const tail = double.length === 2 ? groups(double[1]) : [];
  const all = [...head, ...tail];
  let count = all.length;
  if (all.length && IPV4.test(all[all.length - 1])) count += 1; // embedded IPv4 is two groups
  const hexOk = all.every(
    (g, i) => /^[0-9a-fA-F]{1,4}$/.test(g) || (i === all.length - 1 && IPV4.test(g)),
  );
  return hexOk && (double.length === 2 ? count < 8 : count === 8);
}

/** JSON Schema for the OpenAPI document, from the same zod schema that validates. */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  return json;
}
