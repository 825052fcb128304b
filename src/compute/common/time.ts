/** `2013-09-03T04:01:32Z`: Nova's `created`/`updated`. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `2013-09-03T04:01:32.000000`: Nova's `launched_at`, `created_at` (naive UTC, microseconds). */
export function isoMicros(d: Date | null | undefined): string | null {
  if (!d) return null;
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}
