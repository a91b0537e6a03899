#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the package bin and `npm run capture` are the same code.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = resolve(root, 'node_modules/tsx/dist/cli.mjs');
const r = spawnSync(process.execPath, [tsx, resolve(root, 'src/cli/capture.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
