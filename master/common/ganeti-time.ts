/** `[seconds, microseconds]`, Ganeti's timestamp shape in job files and RAPI. */
export type GanetiTimestamp = [number, number];

export function nowTimestamp(ms: number = Date.now()): GanetiTimestamp {
  const sec = Math.floor(ms / 1000);
  return [sec, Math.round((ms - sec * 1000) * 1000)];
}

/** Nanoseconds since the epoch, as Ganeti stamps reason-trail entries. */
export function epochNano(): number {
  return Number(process.hrtime.bigint() - START_HR) + START_NS;
}
const START_HR = process.hrtime.bigint();
const START_NS = Date.now() * 1e6;

export function timestampSeconds(ts: GanetiTimestamp | null): number | null {
  return ts ? ts[0] + ts[1] / 1e6 : null;
}

/** Unix time in seconds (float), as Ganeti's objects carry `ctime`/`mtime`. */
export function unixNow(): number {
  return Date.now() / 1000;
}
