import { loadConfigOrExit } from '@nefos/contracts';
import { launchStack, type StackHandle } from './stack.launcher';

const log = (msg: string): void => {
  process.stderr.write(`[nefos] ${msg}\n`);
};

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  let handle: StackHandle | undefined;
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping...');
    await handle?.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  try {
    handle = await launchStack(config, log, (why) => {
      log(`fatal: ${why}`);
      void shutdown(1);
    });
    if (stopping) await handle.stop();
  } catch (err) {
    log(`cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
}

void main();
