#!/usr/bin/env node
// Generates the Prisma client and compiles every process to dist/ with swc (no type check:
// `npm run typecheck` does that). Plain Node so that it runs before dependencies are built.
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdirSync, writeFileSync, rmSync, existsSync, renameSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const SOURCE_DIRS = [
  'src',
  'master',
  'eventd',
  'dispatcher',
  'console',
  'manage',
  'stack',
  'hooks',
  'libs',
  'bench',
];

function run(cmd, args, env = {}) {
  execFileSync(cmd, args, {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
  });
}

// Prisma's CLI looks for its native schema engine for a version check even for `generate`;
// pointing it at any existing file skips the download that cannot succeed offline.
run(process.execPath, [require.resolve('prisma/build/index.js', { paths: [root] }), 'generate'], {
  PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
});

// Compile into a fresh directory and swap it in with renames, so that processes and tests
// running from dist/ while someone rebuilds never see it half-empty.
const dist = join(root, 'dist');
const next = join(root, `.dist-build-${process.pid}`);
const old = join(root, `.dist-old-${process.pid}`);
rmSync(next, { recursive: true, force: true });
mkdirSync(next, { recursive: true });
const dirs = SOURCE_DIRS.filter((d) => existsSync(join(root, d)));
run(process.execPath, [
  require.resolve('@swc/cli/bin/swc.js', { paths: [root] }),
  ...dirs,
  '-d',
  next,
  '--config-file',
  '.swcrc',
  '--copy-files',
  '--ignore',
  '**/*.spec.ts,**/*.medium-spec.ts,**/*.e2e-spec.ts',
  '--quiet',
]);
writeFileSync(join(next, '.build-stamp'), new Date().toISOString() + '\n');
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
