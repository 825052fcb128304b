/** Reads a Prometheus text page. */
export async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return res.text();
}

function labelsOf(text: string | undefined): Record<string, string> {
  return Object.fromEntries(
    [...(text ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
  );
}

/** Sum of every sample of `name` whose labels include `labels`. */
export function sum(page: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of page.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = labelsOf(m[2]);
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[3]);
  }
  return total;
}

/** Mean of a histogram (`_sum / _count`) over the samples matching `labels`, in its unit. */
export function histogramMean(
  page: string,
  name: string,
  labels: Record<string, string> = {},
): number | null {
  const count = sum(page, `${name}_count`, labels);
  return count ? sum(page, `${name}_sum`, labels) / count : null;
}
