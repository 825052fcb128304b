import { progress } from './report';

type Cleanup = () => Promise<void> | void;

const cleanups: Array<{ what: string; fn: Cleanup }> = [];
let running = false;

/** Registers something to undo when the benchmark ends, fails or is interrupted (last in, first out). */
export function onCleanup(what: string, fn: Cleanup): void {
  cleanups.push({ what, fn });
}

async function cleanupAll(bench: string): Promise<void> {
  if (running) return;
  running = true;
  while (cleanups.length) {
    const { what, fn } = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      progress(bench, `cleanup of ${what} failed: ${(err as Error).message}`);
    }
  }
  running = false;
}

/**
 * Runs one benchmark's main function: cleans up on success, failure, Ctrl-C and SIGTERM, and
 * sets the exit code (1 when the benchmark failed).
 */
export function runBench(bench: string, main: () => Promise<void>): void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    progress(bench, `${signal}: cleaning up`);
    void cleanupAll(bench).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  main()
    .then(
      () => 0,
      (err: Error) => {
        progress(bench, `FAILED: ${err.stack ?? err.message}`);
        return 1;
      },
    )
    .then(async (code) => {
      await cleanupAll(bench);
      if (!interrupted) process.exit(code);
    });
}
