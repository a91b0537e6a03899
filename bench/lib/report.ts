/**
 * Targets of issue 7 and the generated tables of docs/performance.md. A missed target is marked ✗
 * in the table; the hand-written notes (bench/notes.md) explain why and what is being done.
 */
type Stats = { min: number; median: number; max: number; n: number } | null;

/* eslint-disable @typescript-eslint/no-explicit-any -- results are plain JSON assembled in run.ts */
export interface BenchResults {
  date: string;
  mode: 'quick' | 'full';
  config: Record<string, unknown>;
  machine: Record<string, unknown>;
  capture: any;
  fidelity: any;
  export: any;
  verify: any;
  library: any;
  targets: Target[];
  errors: Record<string, string>;
  durationS: number;
  /** Set when sections come from separate runs (results merged by hand): which run each is from. */
  sections?: Record<string, string>;
}

export interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean | null;
}

/** Export memory: the constant allowed on top of the largest file (browser bookkeeping, zip buffers). */
export const EXPORT_MEMORY_CONSTANT = 64 * 2 ** 20;

const MB = 2 ** 20;
const f0 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : Math.round(x).toLocaleString('en-US'));
const f1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(1));
const f2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(2));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);
const mb = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : Math.abs(x) < MB ? `${(x / 1024).toFixed(0)} KB` : `${(x / MB).toFixed(1)} MB`);
const s3 = (s: Stats, f: (x: number) => string = f0) => (s ? (s.n === 1 ? f(s.median) : `${f(s.min)} / **${f(s.median)}** / ${f(s.max)}`) : '—');
const mark = (m: boolean | null) => (m === null ? '–' : m ? '✓' : '✗');

export function evaluateTargets(r: BenchResults): Target[] {
  const t: Target[] = [];
  if (r.capture?.ratio) t.push({ name: 'Capture: our CLI vs SingleFile (whole process)', target: 'ratio ≤ 1.00', value: f2(r.capture.ratio.median), met: r.capture.ratio.median <= 1 });
  if (r.fidelity) {
    const rows = r.fidelity.rows as { name: string; ours: number | null; singleFile: number | null }[];
    const below = rows.filter((x) => x.singleFile !== null && (x.ours === null || x.ours < x.singleFile - 0.001));
    // Means over the pages both tools saved, so a page one of them skipped does not blank the figure.
    const both = rows.filter((x) => x.ours !== null && x.singleFile !== null);
    const avg = (k: 'ours' | 'singleFile') => (both.length ? both.reduce((a, x) => a + x[k]!, 0) / both.length : null);
    const skipped = rows.length - both.length;
    t.push({
      name: 'Fidelity: ours vs SingleFile, every page',
      target: 'never below',
      value: below.length ? `below on ${below.map((b) => b.name).join(', ')}` : `mean ${pct(avg('ours'))} vs ${pct(avg('singleFile'))} on ${both.length} pages${skipped ? ` (${skipped} not saved by both)` : ''}`,
      met: below.length === 0,
    });
  }
  if (r.export) {
    const big = r.export.bySize.find((b: any) => b.captures === r.export.largestSize);
    t.push({ name: `Export: ${big.captures} captures into one bundle`, target: '≥ 100 MB/s', value: `${f1(big.mbPerS?.median)} MB/s`, met: (big.mbPerS?.median ?? 0) >= 100 });
    const allowed = r.export.largestFile + EXPORT_MEMORY_CONSTANT;
    const small = r.export.bySize[0];
    const grows = big.growth.median - small.growth.median;
    t.push({
      name: 'Export: browser memory during export',
      target: `peak growth ≤ largest file + 64 MB (${mb(allowed)}), not growing with the bundle`,
      value: `+${mb(big.growth.median)} at ${big.captures}, +${mb(small.growth.median)} at ${small.captures}`,
      met: big.growth.median <= allowed && grows <= r.export.largestFile + 16 * MB,
    });
  }
  if (r.verify) t.push({ name: 'Verify: verifier vs sha256sum (same bytes)', target: 'ratio ≥ 0.50', value: f2(r.verify.ratio.median), met: r.verify.ratio.median >= 0.5 && r.verify.allOk });
  if (r.library) {
    t.push({ name: `Library: first page, ${f0(r.library.captures)} captures`, target: '< 200 ms', value: `${f0(r.library.firstPageMs.median)} ms`, met: r.library.firstPageMs.median < 200 });
    for (const [term, s] of Object.entries(r.library.searchMs as Record<string, Stats>)) t.push({ name: `Library: search “${term}”`, target: '< 300 ms', value: `${f0(s!.median)} ms`, met: s!.median < 300 });
  }
  return t;
}

/** The command line that produced these results (flags only where they differ from the mode's defaults). */
function command(r: BenchResults): string {
  const quick = r.mode === 'quick';
  const flags = [quick ? '--quick' : '', r.config.runs !== (quick ? 1 : 3) ? `--runs ${r.config.runs}` : '', r.config.corpusPages !== (quick ? 1 : 10) ? `--corpus ${r.config.corpusPages}` : ''].filter(Boolean);
  return `\`npm run bench${flags.length ? ` -- ${flags.join(' ')}` : ''}\``;
}

export function renderMarkdown(r: BenchResults, notes: string): string {
  const L: string[] = [];
  const m = r.machine;
  L.push('# Performance', '');
  L.push('<!-- Generated by `npm run bench` (bench/run.ts); edit bench/notes.md for the notes, not this file. -->', '');
  L.push(`Last run: ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${command(r)}, ${r.config.runs} run(s), ${r.durationS} s. ` +
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, ${m.chromium}, SingleFile CLI ${m.singleFile}. ` +
    `Raw numbers: \`bench/results/${r.date.slice(0, 10)}${r.mode === 'quick' ? '-quick' : ''}.json\`.`, '');
  if (r.sections) L.push(`Sections from separate runs: ${Object.entries(r.sections).map(([k, v]) => `${k} from ${v}`).join('; ')}.`, '');
  L.push('Cells with three numbers are minimum / **median** / maximum over the runs. The machine is shared and noisy: ratios measured within one run are what count; absolute times are context.', '');
  for (const [k, v] of Object.entries(r.errors ?? {})) L.push(`**${k} failed in this run:** ${v}`, '');
  L.push('## Targets', '', '| | Target | Measured (median) | |', '|---|---|---|---|');
  for (const t of r.targets) L.push(`| ${t.name} | ${t.target} | ${t.value} | ${mark(t.met)} |`);
  L.push('');

  if (r.capture) {
    const c = r.capture;
    L.push('## Capture', '');
    L.push(`${c.pages.length} pages on 127.0.0.1 (${c.pages.map((p: any) => p.name).join(', ')}); every other host fails at DNS. Both CLIs capture the whole batch in one browser session, same Chromium; whole process, spawn to exit.`, '');
    L.push('| | Our CLI (`jianzheng-capture`) | SingleFile (`single-file`) | Ratio ours / SingleFile |', '|---|---|---|---|');
    L.push(`| Whole batch, ms | ${s3(c.oursMs)} | ${s3(c.singleFileMs)} | ${s3(c.ratio, f2)} |`);
    L.push('', 'Our CLI also takes two screenshots, an MHTML copy, hashes every file, stores it and writes a signed bundle; SingleFile writes one HTML file.', '');
    // A tool that skipped a page did less work in its time: say so next to the ratio.
    const skipped = (k: 'singleFileMissing' | 'oursFailed', who: string) => {
      const runs = (c.runs as Record<string, unknown>[]).map((x, i) => ({ i, names: (x[k] as string[] | undefined) ?? [] })).filter((x) => x.names.length);
      if (runs.length) L.push(`**${who} did not save every page:** ${runs.map((x) => `run ${x.i + 1}: ${x.names.join(', ')}`).join('; ')}. Its time for that run covers fewer pages.`, '');
    };
    skipped('singleFileMissing', 'SingleFile');
    skipped('oursFailed', 'Our CLI');
    L.push('Per page, inside the extension (median ms; the capture result\'s own timings):', '');
    L.push('| Page | Total | Load & settle | Snapshot | Screenshots | MHTML | Hashing | Storing | Snapshot size | All files |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const p of c.perPage) {
      const md = (k: string) => f0(p[k]?.median);
      L.push(`| ${p.name}${p.ok ? '' : ' ✗'} | ${md('total')} | ${md('load')} | ${md('snapshot')} | ${md('screenshots')} | ${md('mhtml')} | ${md('hashing')} | ${md('storing')} | ${mb(p.snapshotBytes?.median)} | ${mb(p.totalBytes?.median)} |`);
    }
    L.push('');
  }
  if (r.fidelity) {
    L.push('## Fidelity', '');
    L.push(`Full-page screenshot of each snapshot rendered offline (all requests aborted but the snapshot itself; scripts off) against the live page's, same Chromium, 1280 × 800 viewport. Share of the live picture's pixels whose R, G and B are each within ${r.fidelity.tolerance} of the snapshot's; where the snapshot is shorter, the rest counts as different.`, '');
    L.push('| Page | Live height, px | Ours | SingleFile | |', '|---|---|---|---|---|');
    for (const x of r.fidelity.rows) L.push(`| ${x.name} | ${f0(x.liveHeight)} | ${pct(x.ours)} | ${pct(x.singleFile)} | ${mark(x.singleFile === null ? null : x.ours !== null && x.ours >= x.singleFile - 0.001)} |`);
    L.push(`| **Mean** | | **${pct(r.fidelity.oursMean)}** | **${pct(r.fidelity.singleFileMean)}** | |`, '');
  }
  if (r.export) {
    const e = r.export;
    L.push('## Export', '');
    L.push(`${f0(e.seeded)} captures seeded into a browser profile (${mb(e.seededBytes)}: each an HTML page that compresses well and a random-byte screenshot that does not; largest file ${mb(e.largestFile)}), exported by the extension's export page as the CLI does. MB/s = bundle bytes / time from the job's start until the browser has written the whole bundle file (its download complete); \`job ms\` is the part until the job answered with the zip Blob, which may still be unread then (composed of stored bodies). Memory: Pss summed over Chromium's processes, sampled every 100 ms; growth = peak − level just before the export.`, '');
    L.push('| Captures | Bundle | Stored parts | MB/s | ms to file | job ms | Peak memory growth | Peak memory |', '|---|---|---|---|---|---|---|---|');
    // Stored parts: the Blob parts a composed bundle is made of (capture files, or runs of a pack); results before packs have none.
    const row = (b: any, label: string) => `| ${label} | ${mb(b.bundleBytes)} | ${b.storedParts != null ? f0(b.storedParts) : '–'} | ${s3(b.mbPerS, f1)} | ${s3(b.ms)} | ${b.jobMs ? s3(b.jobMs) : '–'} | ${s3(b.growth, (x) => mb(x))} | ${s3(b.peakPss, (x) => mb(x))} |`;
    for (const b of e.bySize) L.push(row(b, f0(b.captures)));
    if (e.copied) L.push(row(e.copied, `${f0(e.copied.captures)}, copied by the worker`));
    L.push('');
    if (e.copied) L.push('The targets are judged on the rows above it: bundles of up to 2,000 stored parts are composed of the capture files and packs. The last row is the same export made the way larger ones are (`composeMax` 0): a worker copies the capture files and pack runs into one bundle file.', '');
  }
  if (r.verify) {
    const v = r.verify;
    L.push('## Verify', '');
    L.push(`Our verifier (\`runVerifyCli\`, in Node) and \`sha256sum\` over ${v.measuredOn}: ${mb(v.bytes)}, file in the page cache, back to back in each run.`, '');
    L.push('| | MB/s |', '|---|---|');
    L.push(`| Verifier | ${s3(v.verifierMbPerS, f1)} |`, `| sha256sum | ${s3(v.sha256sumMbPerS, f1)} |`, `| Ratio verifier / sha256sum | ${s3(v.ratio, f2)} |`, '');
  }
  if (r.library) {
    const l = r.library;
    L.push('## Library', '');
    L.push(`${f0(l.captures)} captures (src/store/seed.ts) in a browser profile; library.html opened in a new tab after one warm-up visit, ${l.runs.length} times (three loads per run). First page = navigation start to the first visible \`capture-item\` (the page's own clock). Search = input event to the list redrawn for the term, including the page's 120 ms input debounce.`, '');
    L.push('| | ms |', '|---|---|', `| First page (from navigation start) | ${s3(l.firstPageMs)} |`);
    if (l.listMs) L.push(`| First page (the page's own code: boot script start → first list) | ${s3(l.listMs)} |`);
    if (l.storePageMs) L.push(`| The store's first page in the list (mark \`jz-first-page-store\`; the page the last visit kept is drawn before it, the first page above) | ${s3(l.storePageMs)} |`);
    if (l.floorMs) L.push(`| Floor: a static extension page (no script, no stylesheet) to its first visible paragraph, same way, same runs | ${s3(l.floorMs)} |`);
    if (l.floorScriptMs) L.push(`| Floor for script: the same page with one classic script that only sets a mark, to that script's start | ${s3(l.floorScriptMs)} |`);
    if (l.bootStartMs) L.push(`| The library's boot script start (mark \`jz-library-start\`), same loads as the first page | ${s3(l.bootStartMs)} |`);
    for (const [term, s] of Object.entries(l.searchMs as Record<string, Stats>)) L.push(`| Search “${term}” | ${s3(s)} |`);
    L.push('');
  }
  L.push(notes.trim(), '');
  return L.join('\n');
}
