/**
 * Export at scale inside the real extension (the export.html control page, as the CLI uses it), the
 * browser's peak memory meanwhile, then our verifier (Node) against sha256sum over the same zip.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runJob } from '../../src/cli/capture';
import { runVerifyCli } from '../../src/cli/verify';
import { launchSeedableBrowser } from './bench-browser';
import { seedLarge } from './inject';
import { browserPss, sampleMemory } from './memory';
import { run } from './proc';

export interface ExportRun {
  captures: number;
  bundleBytes: number;
  /** From the job's start until the browser has written the whole bundle file (download complete). */
  ms: number;
  mbPerS: number;
  /** From the job's start until its result: the zip Blob exists, but may not have been read yet. */
  jobMs: number;
  baselinePss: number;
  peakPss: number;
  /** peak − baseline: what the export itself held */
  growth: number;
  samples: number;
  /** How the extension made the bundle (ExportResult.written): composed, copied or streamed. */
  written: string;
  /** A composed bundle's stored Blob parts (ExportResult.storedParts): capture files or pack runs. */
  storedParts: number | null;
}

export interface ExportBench {
  seeded: number;
  seededBytes: number;
  largestFile: number;
  seedMs: number;
  runs: ExportRun[];
  bundle: string | null;
}

const MB = 1024 * 1024;

/**
 * Seeds `n` captures of ~`kb` KB, then exports the first `sizes[i]` of them `runs` times each; the
 * last export of the largest size is kept as `bundle` for the verify benchmark. Then the largest
 * size again `runs` times with composeMax 0: the way the extension writes bundles too large to
 * compose (copied by a worker into one file), for the record beside the composed one.
 */
export async function exportBench(n: number, kb: number, sizes: number[], runs: number, dir: string): Promise<ExportBench> {
  mkdirSync(dir, { recursive: true });
  const { browser, control } = await launchSeedableBrowser();
  try {
    const t0 = performance.now();
    const seeded = await seedLarge(control, n, kb);
    const seedMs = performance.now() - t0;
    const out: ExportRun[] = [];
    let bundle: string | null = null;
    const cdp = await control.context().newCDPSession(control);
    const plan = [...sizes.map((size) => ({ size, copied: false })), { size: Math.max(...sizes), copied: true }];
    for (const { size, copied } of plan) {
      for (let r = 0; r < runs; r++) {
        // Collect the seeding's (or the previous export's) garbage first, so the baseline is the page
        // at rest and the growth measures this export, not garbage left from before it.
        await cdp.send('HeapProfiler.collectGarbage');
        await control.waitForTimeout(1000);
        const baselinePss = browserPss();
        const sampler = sampleMemory(100);
        const file = join(dir, `export-${size}-${r}${copied ? '-copied' : ''}.zip`);
        const download = control.waitForEvent('download', { timeout: 900_000 });
        const started = performance.now();
        const res = await runJob(control, { type: 'jz-export', jobId: randomUUID(), captureIds: seeded.ids.slice(0, size), fileName: `export-${size}-${r}.zip`, ...(copied ? { composeMax: 0 } : {}) });
        const jobMs = performance.now() - started;
        if (!res.ok) throw new Error(`export failed: ${res.error}`);
        const d = await download;
        // The export is done when its file is: a composed zip Blob is only read while the browser
        // saves it, so the time runs until the download is complete, not until the job answers.
        await d.path();
        const ms = performance.now() - started;
        await d.saveAs(file);
        const mem = sampler.stop();
        const bytes = statSync(file).size;
        out.push({ captures: size, bundleBytes: bytes, ms, mbPerS: bytes / MB / (ms / 1000), jobMs, baselinePss, peakPss: mem.peak, growth: mem.peak - baselinePss, samples: mem.samples, written: res.written ?? 'unknown', storedParts: res.storedParts ?? null });
        if (!copied) bundle = file;
      }
    }
    return { seeded: seeded.ids.length, seededBytes: seeded.bytes, largestFile: seeded.largest, seedMs, runs: out, bundle };
  } finally {
    await browser.close();
  }
}

export interface VerifyRun {
  bytes: number;
  verifierMs: number;
  verifierMbPerS: number;
  verifierOk: boolean;
  sha256sumMs: number;
  sha256sumMbPerS: number;
  /** verifier speed / sha256sum speed, measured back to back */
  ratio: number;
}

/** Our verifier in this Node process (the CLI's runVerifyCli) and sha256sum, both over the zip file's bytes. */
export async function verifyBench(file: string, runs: number): Promise<VerifyRun[]> {
  const bytes = statSync(file).size;
  await run('sh', ['-c', 'cat "$1" > /dev/null', 'sh', file]); // page cache warm for both contenders
  const out: VerifyRun[] = [];
  for (let r = 0; r < runs; r++) {
    const s = await run('sha256sum', [file]);
    const t = performance.now();
    const code = await runVerifyCli([file], { out: () => undefined, err: () => undefined });
    const verifierMs = performance.now() - t;
    const v = bytes / MB / (verifierMs / 1000);
    const h = bytes / MB / (s.ms / 1000);
    out.push({ bytes, verifierMs, verifierMbPerS: v, verifierOk: code === 0, sha256sumMs: s.ms, sha256sumMbPerS: h, ratio: v / h });
  }
  return out;
}
