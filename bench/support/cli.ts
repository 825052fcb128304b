import { parseArgs } from 'node:util';

type OptionSpec = { type: 'string' | 'boolean'; default?: string | boolean; help: string };

/**
 * Parses `--name value` options with defaults; `--help` prints them and exits. Numbers are read
 * with `num()`, so a bad value stops the benchmark with a message naming the option.
 */
export function cli<T extends Record<string, OptionSpec>>(
  usage: string,
  spec: T,
): { [K in keyof T]: T[K]['type'] extends 'boolean' ? boolean : string | undefined } {
  const options = Object.fromEntries(
    Object.entries<OptionSpec>({ ...spec, help: { type: 'boolean', help: 'this help' } }).map(
      ([k, v]) => [k, { type: v.type, ...(v.default !== undefined ? { default: v.default } : {}) }],
    ),
  ) as Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>;
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ options, allowPositionals: false }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  if (values.help) {
    const lines = Object.entries(spec).map(
      ([k, v]) =>
        `  --${k}${v.type === 'string' ? ' <value>' : ''}  ${v.help}${v.default !== undefined ? ` (default ${v.default})` : ''}`,
    );
    process.stdout.write(`${usage}\n\n${lines.join('\n')}\n`);
    process.exit(0);
  }
  return values as never;
}

export function num(name: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number >= ${min} (got ${value})\n`);
    process.exit(2);
  }
  return n;
}
