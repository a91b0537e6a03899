#!/usr/bin/env node
// Package bin: runs the TypeScript verifier through tsx, so the bin and `npm run verify` share one code path.
import { register } from 'tsx/esm/api';

register();
const { runVerifyCli } = await import('../src/cli/verify.ts');
process.exitCode = await runVerifyCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
});
