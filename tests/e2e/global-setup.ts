import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Builds the extension once for all end-to-end tests: they test the build users load. */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [resolve(root, 'node_modules/wxt/bin/wxt.mjs'), 'build'], { cwd: root, stdio: 'inherit' });
}
