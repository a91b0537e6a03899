/**
 * Capture benchmark: our CLI's whole process against SingleFile's whole process on the same URLs,
 * the same Chromium and the same host rules (ratio = ours / SingleFile), plus per-stage timings from
 * the extension's own capture results (same extension code, driven in-process).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import JSZip from 'jszip';
import { ensureBuilt, runJob } from '../../src/cli/capture';
import type { CaptureSummary as CliSummary } from '../../src/cli/capture';
import { DEFAULT_EXTENSION_DIR, launchWithExtension } from '../../src/cli/launch';
import { artifactPath } from '../../src/bundle/format';
import type { CaptureResult } from '../../src/shared/messages';
import { HOST_RULES, type BenchPage } from './pages';
import { run } from './proc';

const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
const ROOT_FLAGS = process.getuid?.() === 0 ? ['--no-sandbox'] : [];

export interface CliRun {
  ms: number;
  ok: boolean;
  /** The build changed under us during the run (someone edited sources): the time includes a rebuild. */
  rebuilt: boolean;
  error?: string;
}

export interface OursRun extends CliRun {
  bundle: string | null;
  bundleSize: number | null;
  captures: { url: string; ok: boolean; id?: string; ms: number; error?: string }[];
}

function manifestMtime(): number {
  try {
    return statSync(join(DEFAULT_EXTENSION_DIR, 'manifest.json')).mtimeMs;
  } catch {
    return 0;
  }
}

/** `jianzheng-capture --urls-file … --no-tsa --json`, the package bin, spawn to exit. */
export async function runOurCli(pages: BenchPage[], dir: string): Promise<OursRun> {
  mkdirSync(dir, { recursive: true });
  const list = join(dir, 'urls.txt');
  writeFileSync(list, pages.map((p) => p.url).join('\n') + '\n');
  const out = join(dir, 'ours.zip');
  ensureBuilt(() => undefined); // a stale build would otherwise be rebuilt inside the timed run
  const before = manifestMtime();
  const r = await run(process.execPath, [join(ROOT, 'bin/jianzheng-capture.js'), '--urls-file', list, '--out', out, '--no-tsa', '--json', '--browser-path', CHROMIUM, '--browser-arg', HOST_RULES], { cwd: ROOT, timeoutMs: 15 * 60_000 });
  const rebuilt = manifestMtime() !== before;
  let summary: CliSummary | null = null;
  try {
    summary = JSON.parse(r.stdout) as CliSummary;
  } catch {
    /* reported below */
  }
  return {
    ms: r.ms,
    ok: r.code === 0 && !!summary?.ok,
    rebuilt,
    error: r.code === 0 ? undefined : (summary?.error ?? r.stderr.slice(-500)),
    bundle: summary?.out ?? null,
    bundleSize: summary?.bundleSize ?? null,
    captures: summary?.captures?.map((c) => ({ url: c.url, ok: c.ok, id: c.id, ms: c.ms, error: c.error })) ?? [],
  };
}

export interface SingleFileRun extends CliRun {
  /** url → saved HTML file */
  files: Record<string, string>;
  /** URLs SingleFile saved no file for (it can exit 0 having skipped a page). */
  missing: string[];
  /** The end of SingleFile's stderr, when it saved fewer files than pages. */
  stderrTail?: string;
}

/**
 * SingleFile's CLI with its defaults, one browser at a time (--max-parallel-workers 1) so that it
 * amortises browser start-up over the batch exactly as our CLI does.
 */
export async function runSingleFile(pages: BenchPage[], dir: string): Promise<SingleFileRun> {
  mkdirSync(dir, { recursive: true });
  const list = join(dir, 'urls.txt');
  writeFileSync(list, pages.map((p) => p.url).join('\n') + '\n');
  const r = await run(
    process.execPath,
    [
      join(ROOT, 'node_modules/single-file-cli/single-file-node.js'),
      '--urls-file', list,
      '--browser-executable-path', CHROMIUM,
      '--browser-args', JSON.stringify([...ROOT_FLAGS, HOST_RULES]),
      '--output-directory', dir,
      '--filename-template', '{url-pathname-flat}.html',
      '--max-parallel-workers', '1',
    ],
    { cwd: ROOT, timeoutMs: 15 * 60_000 },
  );
  const files: Record<string, string> = {};
  const names = readdirSync(dir);
  for (const p of pages) {
    const flat = new URL(p.url).pathname.replaceAll('/', '_');
    const f = names.find((n) => n.startsWith(flat) && n.endsWith('.html'));
    if (f) files[p.url] = join(dir, f);
  }
  const missing = pages.map((p) => p.url).filter((u) => !files[u]);
  return {
    ms: r.ms,
    ok: r.code === 0 && missing.length === 0,
    rebuilt: false,
    error: r.code === 0 ? (missing.length ? `saved no file for ${missing.join(', ')}` : undefined) : r.stderr.slice(-500),
    files,
    missing,
    ...(missing.length ? { stderrTail: (r.stderr || r.stdout).slice(-1000) } : {}),
  };
}

/** Our snapshot of each URL, read from the CLI's bundle. */
export async function snapshotsFromBundle(run: OursRun): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  if (!run.bundle) return out;
  const zip = await JSZip.loadAsync(readFileSync(run.bundle));
  for (const c of run.captures) {
    if (!c.ok || !c.id) continue;
    const f = zip.file(artifactPath(c.id, 'html-snapshot'));
    if (f) out[c.url] = await f.async('nodebuffer');
  }
  return out;
}

let extensionDir: string | undefined;
/** A static page added to the benchmark's copy of the extension (see useExtensionCopy). */
export const FLOOR_PAGE = 'bench-floor.html';
/** The same page with one classic script that only sets a mark: when any page script can start. */
export const FLOOR_SCRIPT_PAGE = 'bench-floor-script.html';
export const FLOOR_SCRIPT_MARK = 'jz-floor-script';

/**
 * In-process browsers load a private copy of the built extension: others rebuild .output while the
 * benchmark runs, and a rebuild under a running browser breaks its extension pages. (The spawned CLI
 * always uses .output; runOurCli flags runs during which it changed.)
 */
export function useExtensionCopy(work: string): string {
  ensureBuilt(() => undefined);
  extensionDir = join(work, 'extension');
  cpSync(DEFAULT_EXTENSION_DIR, extensionDir, { recursive: true });
  // The library benchmark's floor: an extension page with no script and no stylesheet (this copy only).
  const floor = (head: string): string => `<!doctype html><html><head><meta charset="utf-8">${head}<title>floor</title></head><body><p>见证 floor page</p></body></html>\n`;
  writeFileSync(join(extensionDir, FLOOR_PAGE), floor(''));
  writeFileSync(join(extensionDir, 'bench-floor-script.js'), `performance.mark(${JSON.stringify(FLOOR_SCRIPT_MARK)});\n`);
  writeFileSync(join(extensionDir, FLOOR_SCRIPT_PAGE), floor('<script src="/bench-floor-script.js"></script>'));
  return extensionDir;
}

export function benchExtensionDir(): string | undefined {
  return extensionDir;
}

export interface StageTimes {
  url: string;
  ok: boolean;
  error?: string;
  total: number;
  /** inject + collect (DOM walk, lazy images, serialisation in the page) + transfer */
  snapshot: number;
  screenshots: number;
  mhtml: number;
  hashing: number;
  storing: number;
  /** opening the tab, loading, settling: total minus the stages above */
  load: number;
  snapshotBytes: number;
  totalBytes: number;
  raw: Record<string, number>;
}

/** Drives the extension in-process, like the CLI, to read each capture's own stage timings. */
export async function stageTimings(pages: BenchPage[]): Promise<StageTimes[]> {
  const browser = await launchWithExtension({ extensionDir, browserPath: CHROMIUM, browserArgs: [HOST_RULES] });
  try {
    const control = await browser.openPage('export.html');
    const cfg = await runJob(control, { type: 'jz-configure', jobId: randomUUID(), tsa: { enabled: false } });
    if (!cfg.ok) throw new Error(cfg.error);
    const out: StageTimes[] = [];
    for (const p of pages) {
      const t0 = performance.now();
      const r = (await control.evaluate((m) => chrome.runtime.sendMessage(m), { type: 'capture-url', url: p.url, options: {} })) as CaptureResult;
      process.stderr.write(`  ${p.name}: ${r.ok ? 'ok' : r.error} in ${Math.round(performance.now() - t0)} ms\n`);
      if (!r.ok) {
        out.push({ url: p.url, ok: false, error: r.error, total: NaN, snapshot: NaN, screenshots: NaN, mhtml: NaN, hashing: NaN, storing: NaN, load: NaN, snapshotBytes: NaN, totalBytes: NaN, raw: {} });
        continue;
      }
      const t = r.capture.timings;
      const g = (k: string) => t[k] ?? 0;
      const snapshot = g('inject') + g('collect') + g('transfer');
      const screenshots = g('screenshotVisible') + g('screenshotFull');
      const known = snapshot + screenshots + g('mhtml') + g('media') + g('hashing') + g('saving');
      out.push({
        url: p.url,
        ok: true,
        total: g('total'),
        snapshot,
        screenshots,
        mhtml: g('mhtml'),
        hashing: g('hashing'),
        storing: g('saving'),
        load: Math.max(0, g('total') - known),
        snapshotBytes: r.capture.artifacts.find((a) => a.kind === 'html-snapshot')?.size ?? 0,
        totalBytes: r.capture.size,
        raw: t,
      });
    }
    return out;
  } finally {
    await browser.close();
  }
}
