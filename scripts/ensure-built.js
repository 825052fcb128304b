#!/usr/bin/env node
// Makes `npm start` / `npm test` work on a clean clone: installs dependencies when they are
// missing and rebuilds dist/ when a source file is newer than the last build.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const WATCHED = [
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
  'prisma',
  '.swcrc',
  'package-lock.json',
];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'generated' || entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  process.stderr.write('nefos: installing dependencies (npm ci)...\n');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

const stamp = join(root, 'dist', '.build-stamp');
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const sources = Math.max(...WATCHED.map((p) => newestMtime(join(root, p))));
if (sources > built) {
  process.stderr.write('nefos: building...\n');
  execFileSync(process.execPath, [join(__dirname, 'build.js')], { cwd: root, stdio: 'inherit' });
}
