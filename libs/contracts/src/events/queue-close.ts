import type { QueueBase } from 'bullmq';

/**
 * Closes BullMQ queues without the crash BullMQ has when a queue is closed while its connection is
 * still being set up (the failed setup emits 'error' after the listeners are gone). Waits a short
 * while for each to be ready first; with Redis away, closes anyway.
 */
export async function closeQueues(queues: Iterable<QueueBase>, readyWaitMs = 2000): Promise<void> {
  await Promise.all(
    [...queues].map(async (q) => {
      await Promise.race([
        q.waitUntilReady().catch(() => undefined),
        new Promise((r) => setTimeout(r, readyWaitMs)),
      ]);
      await q.close().catch(() => undefined);
    }),
  );
}
