/** A Ganeti `[seconds, microseconds]` timestamp as ISO 8601, or null. */
export function isoFromGaneti(t: [number, number] | null | undefined): string | null {
  return t ? new Date(t[0] * 1000 + Math.floor(t[1] / 1000)).toISOString() : null;
}
