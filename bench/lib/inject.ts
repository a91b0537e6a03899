/**
 * Puts bench/lib/seed-entry.ts into an extension page. Bundled with esbuild (already installed
 * through tsx) and evaluated over the DevTools protocol, which the page's CSP does not govern.
 */
import { build } from 'esbuild';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';

let code: Promise<string> | null = null;

function bundle(): Promise<string> {
  code ??= build({
    entryPoints: [resolve(import.meta.dirname, 'seed-entry.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  return code;
}

export async function injectSeeder(page: Page): Promise<void> {
  await page.evaluate(await bundle());
}

export function seedLarge(page: Page, n: number, kb: number): Promise<{ ids: string[]; bytes: number; largest: number }> {
  return page.evaluate(([n, kb]) => (globalThis as unknown as { __jzBench: { seedLarge(n: number, kb: number): Promise<{ ids: string[]; bytes: number; largest: number }> } }).__jzBench.seedLarge(n, kb), [n, kb] as const);
}

export function seedLibrary(page: Page, n: number): Promise<number> {
  return page.evaluate((n) => (globalThis as unknown as { __jzBench: { seedLibrary(n: number): Promise<number> } }).__jzBench.seedLibrary(n), n);
}
