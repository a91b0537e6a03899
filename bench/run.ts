/**
 * npm run bench [-- --quick] [--runs N] [--corpus N] [--only capture,fidelity,export,verify,library] [--no-write]
 *                 [--render-from bench/results/<file>.json]   (rewrite docs/performance.md only)
 *
 * Measures capture (against SingleFile's CLI), fidelity, export, verify and the library at scale;
 * writes bench/results/<YYYY-MM-DD>.json and the tables of docs/performance.md. Ratios measured in
 * one run are what count (the machine is shared and noisy); absolute times are context.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { CHROMIUM, useExtensionCopy, runOurCli, runSingleFile, snapshotsFromBundle, stageTimings, type OursRun, type SingleFileRun, type StageTimes } from './lib/capture';
import { fidelity, type FidelityRow } from './lib/fidelity';
import { exportBench, verifyBench, type ExportBench, type VerifyRun } from './lib/export';
import { libraryBench, type LibraryBench } from './lib/library';
import { startPages } from './lib/pages';
import { selfCheck } from './lib/selfcheck';
import { stats } from './lib/proc';
import { evaluateTargets, renderMarkdown, type BenchResults } from './lib/report';

const ROOT = resolve(import.meta.dirname, '..');
const SECTIONS = ['capture', 'fidelity', 'export', 'verify', 'library'] as const;

export type BenchConfig = {
  quick: boolean;
  runs: number;
  corpusPages: number;
  exportCaptures: number;
  exportSizes: number[];
  exportKb: number;
  libraryCaptures: number;
};

function config(quick: boolean, runs?: number, corpus?: number): BenchConfig {
  return quick
    ? { quick, runs: runs ?? 1, corpusPages: corpus ?? 1, exportCaptures: 200, exportSizes: [50, 200], exportKb: 500, libraryCaptures: 10_000 }
    : { quick, runs: runs ?? 3, corpusPages: corpus ?? 10, exportCaptures: 1000, exportSizes: [250, 1000], exportKb: 500, libraryCaptures: 10_000 };
}

const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, runs: { type: 'string' }, corpus: { type: 'string' }, 'render-from': { type: 'string' }, only: { type: 'string' }, 'no-write': { type: 'boolean' } },
    allowPositionals: false,
  });
  if (values['render-from']) {
    // Re-renders docs/performance.md from a results file, e.g. after editing bench/notes.md.
    const saved = JSON.parse(readFileSync(values['render-from'], 'utf8')) as BenchResults;
    writeFileSync(join(ROOT, 'docs/performance.md'), renderMarkdown(saved, readFileSync(join(ROOT, 'bench/notes.md'), 'utf8')));
    return;
  }
  selfCheck();
  const cfg = config(!!values.quick, values.runs ? Number(values.runs) : undefined, values.corpus ? Number(values.corpus) : undefined);
  const only = new Set(values.only ? values.only.split(',') : SECTIONS);
  const work = mkdtempSync(join(tmpdir(), 'jianzheng-bench-'));
  const started = Date.now();
  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: cfg.quick ? 'quick' : 'full',
    config: cfg,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      chromium: execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim(),
      singleFile: JSON.parse(readFileSync(join(ROOT, 'node_modules/single-file-cli/package.json'), 'utf8')).version,
    },
    capture: null,
    fidelity: null,
    export: null,
    verify: null,
    library: null,
    targets: [],
    errors: {},
    durationS: 0,
  };
  useExtensionCopy(work);

  // A failing section is recorded and reported; the others still run.
  const section = async (name: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      log(`${name} failed: ${(e as Error).stack ?? e}`);
      results.errors[name] = (e as Error).message.split('\n')[0]!;
    }
  };
  try {
    if (only.has('capture') || only.has('fidelity')) await section('capture', async () => {
      const pages = await startPages(cfg.corpusPages);
      try {
        const urls = pages.pages.map((p) => p.url);
        const names = Object.fromEntries(pages.pages.map((p) => [p.url, p.name]));
        const ours: OursRun[] = [];
        const sf: SingleFileRun[] = [];
        const stages: StageTimes[][] = [];
        for (let r = 0; r < cfg.runs; r++) {
          // Alternate who goes first, so neither always meets a cold or a warm page cache.
          const order = r % 2 ? (['sf', 'ours'] as const) : (['ours', 'sf'] as const);
          for (const who of order) {
            log(`capture run ${r + 1}/${cfg.runs}: ${who === 'ours' ? 'our CLI' : 'SingleFile'} on ${urls.length} pages`);
            if (who === 'ours') ours.push(await runOurCli(pages.pages, join(work, `ours-${r}`)));
            else sf.push(await runSingleFile(pages.pages, join(work, `sf-${r}`)));
          }
          if (only.has('capture')) {
            log(`capture run ${r + 1}/${cfg.runs}: stage timings`);
            stages.push(await stageTimings(pages.pages));
          }
        }
        const ratios = ours.map((o, i) => o.ms / sf[i]!.ms);
        results.capture = {
          pages: pages.pages.map((p) => ({ name: p.name, url: p.url })),
          runs: ours.map((o, i) => ({ oursMs: o.ms, singleFileMs: sf[i]!.ms, ratio: ratios[i]!, oursOk: o.ok, singleFileOk: sf[i]!.ok, oursRebuilt: o.rebuilt, oursError: o.error, singleFileError: sf[i]!.error, singleFileMissing: sf[i]!.missing.map((u) => names[u]!), singleFileStderr: sf[i]!.stderrTail, oursFailed: o.captures.filter((c) => !c.ok).map((c) => names[c.url] ?? c.url), oursBundleBytes: o.bundleSize })),
          oursMs: stats(ours.map((o) => o.ms)),
          singleFileMs: stats(sf.map((s) => s.ms)),
          ratio: stats(ratios),
          perPage: pages.pages.map((p) => {
            const xs = stages.map((s) => s.find((x) => x.url === p.url)!).filter((x) => x?.ok);
            const pick = (k: keyof StageTimes) => stats(xs.map((x) => x[k] as number));
            return {
              name: p.name,
              ok: xs.length === stages.length,
              total: pick('total'), load: pick('load'), snapshot: pick('snapshot'), screenshots: pick('screenshots'), mhtml: pick('mhtml'), hashing: pick('hashing'), storing: pick('storing'),
              snapshotBytes: pick('snapshotBytes'),
              totalBytes: pick('totalBytes'),
              errors: stages.map((s) => s.find((x) => x.url === p.url)?.error).filter(Boolean),
              raw: xs.map((x) => x.raw),
            };
          }),
        };
        if (only.has('fidelity')) {
          log('fidelity: live pages against both snapshots, rendered offline');
          const oursSnaps = await snapshotsFromBundle(ours[0]!);
          const sfSnaps = Object.fromEntries(Object.entries(sf[0]!.files).map(([u, f]) => [u, readFileSync(f)]));
          const rows: FidelityRow[] = await fidelity(urls, oursSnaps, sfSnaps);
          const mean = (k: 'ours' | 'singleFile') => {
            const v = rows.map((r) => r[k]).filter((x): x is number => x !== null);
            return v.length === rows.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
          };
          results.fidelity = { tolerance: 16, rows: rows.map((r) => ({ ...r, name: names[r.url]! })), oursMean: mean('ours'), singleFileMean: mean('singleFile') };
        }
      } finally {
        await pages.close();
      }
    });

    let exp = null as ExportBench | null;
    if (only.has('export') || only.has('verify')) await section('export', async () => {
      log(`export: seeding ${cfg.exportCaptures} captures of ~${cfg.exportKb} KB, exporting ${cfg.exportSizes.join(' and ')} of them ${cfg.runs}× each`);
      exp = await exportBench(cfg.exportCaptures, cfg.exportKb, cfg.exportSizes, cfg.runs, join(work, 'export'));
      const largest = Math.max(...cfg.exportSizes);
      const summary = (size: number, rs: ExportBench['runs']) => ({ captures: size, written: rs[0]?.written, storedParts: rs[0]?.storedParts ?? null, bundleBytes: rs[0]?.bundleBytes ?? 0, mbPerS: stats(rs.map((r) => r.mbPerS)), ms: stats(rs.map((r) => r.ms)), jobMs: stats(rs.map((r) => r.jobMs)), growth: stats(rs.map((r) => r.growth)), peakPss: stats(rs.map((r) => r.peakPss)) });
      // The targets are judged on the default way (composed up to COMPOSE_MAX); the copied runs are context.
      const bySize = cfg.exportSizes.map((size) => summary(size, exp!.runs.filter((r) => r.captures === size && r.written !== 'copied')));
      const copiedRuns = exp.runs.filter((r) => r.written === 'copied');
      const copied = copiedRuns.length ? summary(largest, copiedRuns) : null;
      results.export = { seeded: exp.seeded, seededBytes: exp.seededBytes, largestFile: exp.largestFile, seedMs: exp.seedMs, runs: exp.runs, bySize, copied, largestSize: largest };
    });
    if (only.has('verify') && exp?.bundle) await section('verify', async () => {
      log('verify: our verifier against sha256sum on the exported bundle');
      const runs: VerifyRun[] = await verifyBench(exp!.bundle!, Math.max(cfg.runs, 2));
      results.verify = { bytes: runs[0]!.bytes, measuredOn: 'the zip file (same bytes for both)', runs, verifierMbPerS: stats(runs.map((r) => r.verifierMbPerS)), sha256sumMbPerS: stats(runs.map((r) => r.sha256sumMbPerS)), ratio: stats(runs.map((r) => r.ratio)), allOk: runs.every((r) => r.verifierOk) };
    });
    if (only.has('library')) await section('library', async () => {
      // Three page loads per run: one load's first page varied 145-250 ms on this machine, so the
      // median of 3 loads (the earlier design) moved by tens of ms between identical runs.
      const loads = Math.max(cfg.runs, 2) * 3;
      log(`library: seeding ${cfg.libraryCaptures} captures, ${loads} page loads`);
      const lib: LibraryBench = await libraryBench(cfg.libraryCaptures, loads);
      results.library = {
        captures: lib.captures,
        seedMs: lib.seedMs,
        runs: lib.runs,
        firstPageMs: stats(lib.runs.map((r) => r.firstPageMs)),
        listMs: lib.runs.every((r) => r.listMs !== null) ? stats(lib.runs.map((r) => r.listMs!)) : null,
        floorMs: lib.runs.every((r) => r.floorMs !== null) ? stats(lib.runs.map((r) => r.floorMs!)) : null,
        floorScriptMs: lib.runs.every((r) => r.floorScriptMs !== null) ? stats(lib.runs.map((r) => r.floorScriptMs!)) : null,
        storePageMs: lib.runs.every((r) => r.marks['jz-first-page-store'] !== undefined) ? stats(lib.runs.map((r) => r.marks['jz-first-page-store']!)) : null,
        bootStartMs: lib.runs.every((r) => r.marks['jz-library-start'] !== undefined) ? stats(lib.runs.map((r) => r.marks['jz-library-start']!)) : null,
        searchMs: Object.fromEntries(Object.keys(lib.runs[0]!.search).map((t) => [t, stats(lib.runs.map((r) => r.search[t]!))])),
      };
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  results.durationS = Math.round((Date.now() - started) / 1000);
  results.targets = evaluateTargets(results);
  const md = renderMarkdown(results, readFileSync(join(ROOT, 'bench/notes.md'), 'utf8'));
  if (!values['no-write']) {
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, 'bench/results', `${results.date.slice(0, 10)}${cfg.quick ? '-quick' : ''}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    writeFileSync(join(ROOT, 'docs/performance.md'), md);
    log(`wrote ${file} and docs/performance.md`);
  }
  process.stdout.write(md);
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    log(`failed: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
