import { readFileSync } from 'node:fs';
import { z } from 'zod';
// Only the publisher: the contracts barrel loads NestJS, axios and prom-client, which a hook run
// (one process per opcode) would pay for on every create.
import { EventPublisher } from '@nefos/contracts/events/event.publisher';
import { messagesFromEnv } from './hook-env';

const settingsSchema = z.object({
  redisUrl: z.string().regex(/^rediss?:\/\//),
  redisPrefix: z.string().min(1),
  cluster: z.string().min(1),
});

/** A hook must not hold the op up: give up (and report failure, logged by the master) after this. */
const DEADLINE_MS = 5_000;

/**
 * The post hook the master (or Ganeti) runs: reads the GANETI_* environment, publishes what it
 * tells about the instance, exits. Output goes to the master's op log on failure.
 */
async function main(): Promise<number> {
  const i = process.argv.indexOf('--config');
  if (i < 0 || !process.argv[i + 1]) {
    process.stderr.write('usage: nefos hook --config <nefos-hooks.json>\n');
    return 2;
  }
  const settings = settingsSchema.parse(JSON.parse(readFileSync(process.argv[i + 1], 'utf8')));
  const messages = messagesFromEnv(process.env, settings.cluster);
  if (messages.length === 0) return 0;
  const publisher = new EventPublisher({
    redis: { url: settings.redisUrl, prefix: settings.redisPrefix, privatePort: 0 },
  });
  try {
    for (const m of messages) await publisher.publish(m.message, m.idSuffix);
  } finally {
    await publisher.close();
  }
  return 0;
}

setTimeout(() => {
  process.stderr.write(`nefos hook: Redis did not answer within ${DEADLINE_MS / 1000} s\n`);
  process.exit(1);
}, DEADLINE_MS).unref();

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`nefos hook: ${err.message}\n`);
    process.exit(1);
  },
);
