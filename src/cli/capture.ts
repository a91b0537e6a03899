#!/usr/bin/env node
/**
 * npm run capture -- [options] <url>...
 * Drives the real extension in Chromium: every URL is captured by the extension's own code (no
 * second implementation here), then the extension exports one signed bundle, which we save.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { CAPTURE_HELP, UsageError, defaultOutName, parseCaptureArgs, parseUrlsFile, type CaptureArgs } from './args';
import { DEFAULT_EXTENSION_DIR, launchWithExtension } from './launch';
import type { CaptureResult } from '../shared/messages';
import type { ControlJob, JobResult } from './control';

const ROOT = resolve(import.meta.dirname, '../..');

interface UrlOutcome {
  url: string;
  ok: boolean;
  id?: string;
  hash?: string;
  size?: number;
  title?: string | null;
  error?: string;
  code?: string;
  ms: number;
  /** Per-stage times inside the extension, ms (inject, collect, page.snapshot, screenshotFull, …). */
  timings?: Record<string, number>;
  notes?: string[];
}

export interface CaptureSummary {
  ok: boolean;
  out: string | null;
  bundleSha256: string | null;
  bundleSize: number | null;
  signer: JobResult['signer'] | null;
  captures: UrlOutcome[];
  error?: string;
}

/** Rebuilds the extension when it is missing or older than its sources. */
export function ensureBuilt(log: (s: string) => void): void {
  const manifest = resolve(DEFAULT_EXTENSION_DIR, 'manifest.json');
  if (existsSync(manifest) && !sourcesNewerThan(statSync(manifest).mtimeMs)) return;
  log('Building the extension…');
  execFileSync(process.execPath, [resolve(ROOT, 'node_modules/wxt/bin/wxt.mjs'), 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

function sourcesNewerThan(ms: number): boolean {
  const walk = (dir: string): boolean => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = resolve(dir, e.name);
      if (e.isDirectory()) {
        if (walk(p)) return true;
      } else if (statSync(p).mtimeMs > ms) return true;
    }
    return false;
  };
  return ['src', 'entrypoints', 'public', 'wxt.config.ts', 'package.json'].some((d) => {
    const p = resolve(ROOT, d);
    if (!existsSync(p)) return false;
    return statSync(p).isDirectory() ? walk(p) : statSync(p).mtimeMs > ms;
  });
}


// Runs inside the control page. Kept as plain source text: the TypeScript loader would otherwise
// add helper calls (__name) that do not exist in the page.
const RUN_JOB_IN_PAGE = `(job) => new Promise((resolve) => {
  const onMessage = (e) => {
    const d = e.data;
    if (e.source === window && d && d.type === 'jz-job-result' && d.jobId === job.jobId) {
      window.removeEventListener('message', onMessage);
      resolve(d);
    }
  };
  window.addEventListener('message', onMessage);
  window.postMessage(job, location.origin);
})`;

export function runJob(page: Page, job: ControlJob): Promise<JobResult> {
  return page.evaluate(`(${RUN_JOB_IN_PAGE})(${JSON.stringify(job)})`) as Promise<JobResult>;
}

export async function runCapture(args: CaptureArgs, log: (s: string) => void): Promise<CaptureSummary> {
  const urls = [...args.urls];
  if (args.urlsFile) urls.push(...parseUrlsFile(readFileSync(args.urlsFile, 'utf8')));
  if (!urls.length) throw new UsageError('No URL given. Pass URLs or --urls-file <file>.');
  const out = resolve(args.out ?? defaultOutName());
  let keyBackup: { base64: string; passphrase: string } | undefined;
  if (args.key) {
    const passphrase = process.env.JIANZHENG_KEY_PASSPHRASE;
    if (!passphrase) throw new UsageError('--key needs the passphrase in the environment variable JIANZHENG_KEY_PASSPHRASE.');
    keyBackup = { base64: readFileSync(args.key).toString('base64'), passphrase };
  }
  let agePassphrase: string | undefined;
  if (args.agePassphrase) {
    agePassphrase = process.env.JIANZHENG_AGE_PASSPHRASE;
    if (!agePassphrase) throw new UsageError('--age-passphrase needs the passphrase in the environment variable JIANZHENG_AGE_PASSPHRASE.');
  }
  for (const r of args.ageRecipients) if (!/^age1[0-9a-z]{20,}$/.test(r)) throw new UsageError(`Not an age recipient: "${r}" (expected age1…).`);

  ensureBuilt(log);
  const browser = await launchWithExtension({
    profileDir: args.profile,
    browserPath: args.browserPath,
    browserArgs: args.browserArgs,
    proxy: args.proxy,
    ignoreHttpsErrors: args.ignoreHttpsErrors,
    headless: !args.headful,
  });
  const outcomes: UrlOutcome[] = [];
  try {
    const control = await browser.openPage('export.html');
    const configured = await runJob(control, {
      type: 'jz-configure',
      jobId: randomUUID(),
      tsa: args.noTsa ? { enabled: false } : args.tsa.length ? { enabled: true, urls: args.tsa } : undefined,
      caseName: args.caseName,
      keyBackup,
    });
    if (!configured.ok) throw new Error(configured.error ?? 'the extension could not be configured');

    for (const url of urls) {
      const started = Date.now();
      log(`Capturing ${url} …`);
      const r = (await control.evaluate(
        (m) => chrome.runtime.sendMessage(m),
        { type: 'capture-url', url, options: { waitMs: args.waitMs, caseId: configured.caseId, timeoutMs: args.timeoutMs } },
      )) as CaptureResult;
      const ms = Date.now() - started;
      if (r.ok) {
        outcomes.push({ url, ok: true, id: r.capture.id, hash: r.capture.hash, size: r.capture.size, title: r.capture.title, ms, timings: r.capture.timings, notes: r.capture.notes });
        log(`  ✓ ${r.capture.id}  sha256 ${r.capture.hash.slice(0, 16)}…  ${r.capture.title ?? ''}`);
      } else {
        outcomes.push({ url, ok: false, error: r.error, code: r.code, ms });
        log(`  ✗ ${r.error}`);
      }
    }

    const ids = outcomes.filter((o) => o.ok).map((o) => o.id!);
    if (!ids.length) return { ok: false, out: null, bundleSha256: null, bundleSize: null, signer: null, captures: outcomes, error: 'Nothing was captured; no bundle written.' };
    log(`Writing bundle ${out} …`);
    const fileName = out.split('/').pop()!;
    const download = control.waitForEvent('download', { timeout: 600_000 });
    const exported = await runJob(control, {
      type: 'jz-export',
      jobId: randomUUID(),
      captureIds: ids,
      fileName,
      age: args.ageRecipients.length || agePassphrase ? { recipients: args.ageRecipients, passphrase: agePassphrase } : undefined,
    });
    if (!exported.ok) throw new Error(exported.error ?? 'export failed');
    const d = await download;
    const target = exported.fileName && exported.fileName !== fileName ? resolve(out, '..', exported.fileName) : out;
    await d.saveAs(target);
    const bytes = readFileSync(target);
    return {
      ok: outcomes.every((o) => o.ok),
      out: target,
      bundleSha256: createHash('sha256').update(bytes).digest('hex'),
      bundleSize: bytes.length,
      signer: exported.signer ?? null,
      captures: outcomes,
    };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<number> {
  let args: CaptureArgs;
  try {
    args = parseCaptureArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${CAPTURE_HELP}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${CAPTURE_HELP}\n`);
    return 0;
  }
  const log = (s: string) => process.stderr.write(`${s}\n`);
  try {
    const summary = await runCapture(args, log);
    if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      const okCount = summary.captures.filter((c) => c.ok).length;
      process.stdout.write(`${okCount} of ${summary.captures.length} URL(s) captured.\n`);
      if (summary.out) process.stdout.write(`Bundle: ${summary.out}\nSHA-256: ${summary.bundleSha256}\n`);
      if (summary.signer) process.stdout.write(`Signed by key ${summary.signer.fingerprint}\n`);
      for (const c of summary.captures.filter((x) => !x.ok)) process.stdout.write(`Failed: ${c.url}: ${c.error}\n`);
    }
    return summary.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (args.json) process.stdout.write(`${JSON.stringify({ ok: false, error: (e as Error).message }, null, 2)}\n`);
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().then((code) => process.exit(code));
}
