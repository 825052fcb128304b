import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** `npm run bench`: the five benchmarks one after another (each starts and removes what it needs). */
const SCRIPTS = [
  ['master', 'master-throughput.js'],
  ['reads', 'api-reads.js'],
  ['pipeline', 'pipeline.js'],
  ['guest', 'real-guest.js'],
  ['memory', 'memory.js'],
] as const;

function run(file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(__dirname, file)], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}

async function main(): Promise<void> {
  const failed: string[] = [];
  for (const [name, file] of SCRIPTS) {
    process.stderr.write(`\n=== bench:${name} ===\n`);
    const code = await run(file);
    if (code === 130) process.exit(130);
    if (code !== 0) failed.push(name);
  }
  if (failed.length) {
    process.stderr.write(`failed: ${failed.join(', ')}\n`);
    process.exit(1);
  }
}

void main();
