/** Table or JSON output for nefos-manage commands. */
export type Row = Record<string, unknown>;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function formatTable(rows: Row[], columns?: string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export class Output {
  constructor(private readonly json: boolean) {}

  /** A list: a table, or a JSON array. */
  list(rows: Row[], columns?: string[]): void {
    process.stdout.write(
      this.json ? JSON.stringify(rows, jsonReplacer, 2) + '\n' : formatTable(rows, columns),
    );
  }

  /** One object: `key  value` lines, or a JSON object. */
  object(obj: Row): void {
    if (this.json) {
      process.stdout.write(JSON.stringify(obj, jsonReplacer, 2) + '\n');
      return;
    }
    const width = Math.max(...Object.keys(obj).map((k) => k.length));
    process.stdout.write(
      Object.entries(obj)
        .map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`)
        .join('\n') + '\n',
    );
  }

  message(text: string): void {
    if (this.json) process.stdout.write(JSON.stringify({ message: text }) + '\n');
    else process.stdout.write(text + '\n');
  }
}
