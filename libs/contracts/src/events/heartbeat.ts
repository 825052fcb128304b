import { randomUUID } from 'node:crypto';

/**
 * The end-to-end heartbeat (DESIGN.md §4): a cluster tag set as a dry run, so the master writes an
 * `OP_TAGS_SET` job that changes nothing; eventd publishes it as an `events.cluster` message with
 * `kind: 'heartbeat'`, and the dispatcher records its arrival.
 */
export const HEARTBEAT_TAG_PREFIX = 'nefos-heartbeat-';
export const HEARTBEAT_KIND = 'heartbeat';

export function newHeartbeatId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16);
}

export function heartbeatTag(id: string): string {
  return `${HEARTBEAT_TAG_PREFIX}${id}`;
}

/** The heartbeat id in a tag, or null when the tag is not a heartbeat. */
export function heartbeatIdFromTag(tag: unknown): string | null {
  if (typeof tag !== 'string' || !tag.startsWith(HEARTBEAT_TAG_PREFIX)) return null;
  const id = tag.slice(HEARTBEAT_TAG_PREFIX.length);
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : null;
}

/** `SystemState` keys the dispatcher writes: the last heartbeat that arrived, per cluster. */
export function heartbeatArrivedKey(cluster: string): string {
  return `heartbeat:arrived:${cluster}`;
}
/** ...and the last one the dispatcher's periodic check sent, per cluster. */
export function heartbeatSentKey(cluster: string): string {
  return `heartbeat:sent:${cluster}`;
}

export interface HeartbeatArrival {
  id: string;
  jobId: number;
  status: string;
  /** The master's timestamp of the job status, `[sec, usec]`. */
  eventTime: [number, number];
  /** When the dispatcher recorded it (ISO). */
  arrivedAt: string;
  /** The last heartbeats that arrived, newest first: overlapping probes each find their own. */
  recent?: Array<{ id: string; arrivedAt: string; status: string }>;
}

export interface HeartbeatSent {
  id: string;
  jobId: number | null;
  sentAt: string;
  error?: string;
}

/** The hops a heartbeat crosses, in order; a failed check names the first one that did not answer. */
export type HeartbeatHop = 'rapi' | 'master' | 'eventd' | 'redis' | 'dispatcher';
