/** BullMQ queues between the backend (eventd, hooks) and the dispatcher. DESIGN.md §4. */
export enum QueueName {
  Op = 'events.op',
  Network = 'events.network',
  Progress = 'events.progress',
  Cluster = 'events.cluster',
}

/** Where messages go after their last failed attempt (or at once when malformed). */
export const DEAD_LETTER_QUEUE = 'events.dead';

export const EVENT_QUEUES: readonly QueueName[] = [
  QueueName.Op,
  QueueName.Network,
  QueueName.Progress,
  QueueName.Cluster,
];

/** BullMQ job names: one per message type. */
export enum EventJobName {
  Op = 'op',
  Network = 'network',
  Progress = 'progress',
  Cluster = 'cluster',
  DeadLetter = 'dead-letter',
}
