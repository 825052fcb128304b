#!/usr/bin/env node
// `npm test`: lint, type check, then every Jest tier (unit, medium, e2e). Extra arguments go to Jest.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const steps = [
  ['lint', bin('eslint'), ['.', '--max-warnings=0']],
  ['format', bin('prettier'), ['--check', '.', '--log-level', 'warn']],
  ['typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
  // Prisma 7's client and the libvirt binding load ES modules with import(): Jest needs VM modules.
  [
    'jest',
    process.execPath,
    [
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
      join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--ci',
      ...process.argv.slice(2),
    ],
  ],
];
for (const [name, cmd, args] of steps) {
  const started = Date.now();
  process.stderr.write(`\n=== ${name} ===\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  process.stderr.write(
    `=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} (${Math.round((Date.now() - started) / 1000)} s)\n`,
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}
