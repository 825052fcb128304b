import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '@nefos/contracts/paths';

/** One measured figure, with the floor it is compared against when there is one. */
export interface Figure {
  figure: string;
  value: number | null;
  unit: string;
  /** The floor measured in the same run, in the same unit. */
  floor?: number | null;
  /** What the floor is (shown in the table). */
  floorName?: string;
  /** value / floor (computed when both are known). */
  ratio?: number | null;
  note?: string;
}

// The machine is shared: the load when the benchmark started and when it reported goes beside
// the figures, so a reader can tell a quiet run from a busy one.
const LOAD_AT_START = loadavg();

/** 1-, 5- and 15-minute load averages at the start of the run and now, e.g. "0.52 0.61 0.70 -> ...". */
export function load(): string {
  const f = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  return `${f(LOAD_AT_START)} -> ${f(loadavg())}`;
}

export function machine(): string {
  const c = cpus();
  const model = (c[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim();
  return `${c.length} cores ${model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}, host ${hostname()}`;
}

/** Progress goes to stderr so that stdout holds only the table and the JSON lines. */
export function progress(bench: string, message: string): void {
  process.stderr.write(`[bench:${bench}] ${message}\n`);
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function withRatio(f: Figure): Figure {
  if (f.ratio !== undefined) return f;
  const ratio =
    f.floor !== undefined && f.floor !== null && f.value !== null && f.floor !== 0
      ? f.value / f.floor
      : undefined;
  return ratio === undefined ? f : { ...f, ratio };
}

export interface RunInfo {
  date: string;
  machine: string;
  load: string;
}

/** The table (with the notes under it) and one JSON line per figure; no output of its own. */
export function formatReport(
  bench: string,
  title: string,
  figures: Figure[],
  params: object,
  run: RunInfo,
): { table: string; json: string[] } {
  const rows = figures.map(withRatio);
  const header = ['figure', 'value', 'unit', 'floor', 'ratio', 'floor is'];
  const cells = rows.map((f) => [
    f.figure,
    fmt(f.value),
    f.unit,
    fmt(f.floor),
    f.ratio === undefined || f.ratio === null ? '-' : `${fmt(f.ratio)}x`,
    f.floorName ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const table = [
    '',
    title,
    `date ${run.date}; machine ${run.machine}; load ${run.load}`,
    `parameters ${JSON.stringify(params)}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
    ...rows.filter((f) => f.note).map((f) => `  ${f.figure}: ${f.note}`),
    '',
  ].join('\n');
  const json = rows.map((f) =>
    JSON.stringify({
      bench,
      figure: f.figure,
      value: f.value,
      unit: f.unit,
      ...(f.floor !== undefined ? { floor: f.floor, floor_is: f.floorName ?? null } : {}),
      ...(f.ratio !== undefined ? { ratio: f.ratio } : {}),
      ...run,
      params,
    }),
  );
  return { table, json };
}

/**
 * Prints the table, then one JSON line per figure, and appends the lines to
 * `bench/results/<bench>.jsonl` (not committed) so the README table can be rebuilt from them.
 */
export function report(bench: string, title: string, figures: Figure[], params: object): void {
  const run = { date: new Date().toISOString(), machine: machine(), load: load() };
  const { table, json } = formatReport(bench, title, figures, params, run);
  process.stdout.write(table + '\n' + json.join('\n') + '\n');
  try {
    const dir = join(projectRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, `${bench}.jsonl`), json.join('\n') + '\n');
  } catch {
    // a read-only checkout still gets the output above
  }
}
