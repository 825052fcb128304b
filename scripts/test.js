#!/usr/bin/env node
// `npm test`: lint, type check, then every Jest tier (unit, medium, e2e). Extra arguments go to Jest.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const jest = [
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
  join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
  '--ci',
];
// The lifecycle suites again with the stack scaled out (docs/scale-out.md): two API processes
// behind the round-robin balancer and two dispatchers on one database and one Redis.
const SCALED_OUT_SUITES = [
  'test/events/lifecycle.e2e-spec.ts',
  'test/events/actions.e2e-spec.ts',
  'test/compute/server-lifecycle.e2e-spec.ts',
  'test/compute/openstack-clients.e2e-spec.ts',
  'test/console/console.e2e-spec.ts',
];
const extra = process.argv.slice(2);
const steps = [
  ['lint', bin('eslint'), ['.', '--max-warnings=0']],
  ['format', bin('prettier'), ['--check', '.', '--log-level', 'warn']],
  ['typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
  // Prisma 7's client and the libvirt binding load ES modules with import(): Jest needs VM modules.
  ['jest', process.execPath, [...jest, ...extra]],
];
// With arguments (one area's tests) the scaled-out pass is left out; NEFOS_TEST_SCALE_OUT=0 too.
if (extra.length === 0 && process.env.NEFOS_TEST_SCALE_OUT !== '0') {
  steps.push([
    'jest scaled out (2 APIs, 2 dispatchers)',
    process.execPath,
    [...jest, '--selectProjects', 'e2e', '--runTestsByPath', ...SCALED_OUT_SUITES],
    { NEFOS_TEST_API_REPLICAS: '2', NEFOS_TEST_DISPATCHER_REPLICAS: '2' },
  ]);
}
for (const [name, cmd, args, env] of steps) {
  const started = Date.now();
  process.stderr.write(`\n=== ${name} ===\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  process.stderr.write(
    `=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} (${Math.round((Date.now() - started) / 1000)} s)\n`,
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}
