/**
 * Time-stamp tokens in an evidence bundle: what the exporter (src/bundle/, task B) puts in the zip,
 * and the checks its verifier runs. Layout, for a file P stamped by n authorities:
 *
 *   P.tsr, P.2.tsr, … P.n.tsr       DER TimeStampResp each; `openssl ts -verify -data P -in P.tsr`
 *   tsa-certs/<sha256>.pem          the certificates a token carries (TSA first), one file per TSA certificate
 *   manifest.json.tsr[, .2.tsr …]   tokens over manifest.json, added after it is written (so not in its files map)
 *   manifest.json.tsa-certs.pem     the certificates of the manifest tokens
 *
 * The manifest lists the record tokens in `timestamps` (ManifestTimestamp[]: path, token, tsaUrl, genTime, chain).
 */
import { MANIFEST_FILE, TSR_SUFFIX, type Manifest, type ManifestTimestamp } from '../bundle/format';
import type { BundleCheck, CheckResult, VerifyContext } from '../bundle/verify';
import { sha256Hex } from '../crypto/hash';
import type { ExportedLedgerEvent } from '../ledger/types';
import { pemToCerts } from './asn';
import { extractTsaChainPems, verifyTimestampToken, type TimestampCheck } from './verify';

export const TSA_CERTS_DIR = 'tsa-certs/';
export const MANIFEST_TSA_CERTS_FILE = `${MANIFEST_FILE}.tsa-certs.pem`;

/** A manifest `timestamps` entry (src/bundle/format.ts) whose `chain` is always set ('' when the token carries no certificate). */
export type ManifestTimestampWithChain = ManifestTimestamp & { chain: string };

/** What a stored token needs to go into a bundle (a TimestampRow fits). */
export interface TokenForBundle {
  /** TimestampRow.id: breaks ties in the order, as the exporter does. */
  id?: string;
  path: string;
  tsaUrl: string;
  genTime: string;
  response: Uint8Array;
}

export interface BundleTimestampCheck extends TimestampCheck {
  file?: string;
}

/** Token file name for the index-th token (0-based) of `path`: P.tsr, then P.2.tsr, P.3.tsr … */
export function tsrPath(path: string, index: number): string {
  return index === 0 ? `${path}${TSR_SUFFIX}` : `${path}.${index + 1}${TSR_SUFFIX}`;
}

/** The file a token file stamps, given the names in the bundle; null when it stamps nothing there. */
export function tsrDataPath(tsr: string, names: { has(name: string): boolean }): string | null {
  if (!tsr.endsWith(TSR_SUFFIX)) return null;
  const base = tsr.slice(0, -TSR_SUFFIX.length);
  if (names.has(base)) return base;
  const m = /^(.*)\.(\d+)$/.exec(base);
  if (m && Number(m[2]) >= 2 && names.has(m[1]!)) return m[1]!;
  return null;
}

// The same order as src/bundle/export.ts: by time, then row id (then authority, for rows without one).
function byTime(a: TokenForBundle, b: TokenForBundle): number {
  return a.genTime.localeCompare(b.genTime) || (a.id ?? '').localeCompare(b.id ?? '') || a.tsaUrl.localeCompare(b.tsaUrl);
}

const utf8 = new TextEncoder();

/**
 * The zip entries for the tokens of captured files (record.json), and the manifest's `timestamps`
 * list. Deterministic: per file, tokens are ordered by time, then authority.
 */
export async function timestampBundleFiles(rows: readonly TokenForBundle[]): Promise<{ files: Map<string, Uint8Array>; entries: ManifestTimestampWithChain[] }> {
  const files = new Map<string, Uint8Array>();
  const entries: ManifestTimestampWithChain[] = [];
  const byPath = new Map<string, TokenForBundle[]>();
  for (const r of rows) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
  for (const path of [...byPath.keys()].sort()) {
    const list = byPath.get(path)!.sort(byTime);
    for (let i = 0; i < list.length; i++) {
      const row = list[i]!;
      const token = tsrPath(path, i);
      files.set(token, row.response);
      const pems = await extractTsaChainPems(row.response);
      let chain = '';
      if (pems.length > 0) {
        const leaf = new Uint8Array(pemToCerts(pems[0]!)[0]!.toSchema(true).toBER());
        chain = `${TSA_CERTS_DIR}${await sha256Hex(leaf)}.pem`;
        if (!files.has(chain)) files.set(chain, utf8.encode(pems.join('')));
      }
      entries.push({ path, token, tsaUrl: row.tsaUrl, genTime: row.genTime, chain });
    }
  }
  return { files, entries };
}

/**
 * The entries for tokens over manifest.json (from stampBytes at export). Their names start with
 * "manifest.json." so they stay outside the manifest's own files map, as its signature does.
 */
export async function manifestTimestampFiles(tokens: readonly { tsaUrl: string; genTime: string; response: Uint8Array }[]): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const sorted = tokens.map((t) => ({ ...t, path: MANIFEST_FILE })).sort(byTime);
  const pems: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    files.set(tsrPath(MANIFEST_FILE, i), sorted[i]!.response);
    for (const p of await extractTsaChainPems(sorted[i]!.response)) if (!pems.includes(p)) pems.push(p);
  }
  if (pems.length > 0) files.set(MANIFEST_TSA_CERTS_FILE, utf8.encode(pems.join('')));
  return files;
}

export interface BundleTimestampOptions {
  /** Trusted roots, PEM: the shipped ones plus any given with --tsa-root. */
  roots: string[];
  maxSkewMs?: number;
  /**
   * The bundle's ledger. Its disclosed 'timestamped' events record the nonce sent for each token
   * (by the token's SHA-256), so the nonce can be checked too.
   */
  ledger?: readonly ExportedLedgerEvent[] | null;
}

/** Nonces recorded in 'timestamped' ledger events, by SHA-256 of the token file. */
function noncesFromLedger(ledger: readonly ExportedLedgerEvent[] | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of ledger ?? []) {
    if (e.body?.type !== 'timestamped') continue;
    const tokens = (e.body.payload as { tokens?: unknown }).tokens;
    if (!Array.isArray(tokens)) continue;
    for (const t of tokens as { responseSha256?: unknown; nonce?: unknown }[]) {
      if (typeof t.responseSha256 === 'string' && typeof t.nonce === 'string') out.set(t.responseSha256, t.nonce);
    }
  }
  return out;
}

/**
 * The time-stamp checks of a bundle, for the bundle verifier to add to its report. Every token is
 * checked against the file it stamps; a capture without any token is a warning (its time rests on
 * the capturing machine's clock only), not a failure.
 */
export async function verifyBundleTimestamps(
  files: Map<string, Uint8Array>,
  manifest: Manifest,
  opts: BundleTimestampOptions,
): Promise<BundleTimestampCheck[]> {
  const checks: BundleTimestampCheck[] = [];
  const captureTime = new Map(manifest.captures.map((c) => [`captures/${c.id}/record.json`, c.capturedAt]));
  const stamped = new Set<string>();
  const tokens = [...files.keys()].filter((n) => n.endsWith(TSR_SUFFIX)).sort();
  const nonces = noncesFromLedger(opts.ledger);
  for (const tsr of tokens) {
    const data = tsrDataPath(tsr, files);
    if (!data) {
      checks.push({ id: 'timestamp-orphan', ok: false, file: tsr, message: `${tsr}: time-stamp token for a file that is not in the bundle` });
      continue;
    }
    const ref = data === MANIFEST_FILE ? manifest.createdAt : captureTime.get(data);
    const nonce = nonces.size ? nonces.get(await sha256Hex(files.get(tsr)!)) : undefined;
    const r = await verifyTimestampToken(files.get(tsr)!, files.get(data)!, {
      roots: opts.roots,
      ...(nonce !== undefined ? { nonce } : {}),
      ...(ref ? { referenceTime: ref } : {}),
      ...(opts.maxSkewMs !== undefined ? { maxSkewMs: opts.maxSkewMs } : {}),
    });
    const failed = r.checks.filter((c) => !c.ok);
    for (const c of failed) checks.push({ id: c.id.replace(/^tsr-/, 'timestamp-'), ok: false, file: tsr, message: `${tsr}: ${c.message}` });
    if (failed.length === 0) {
      stamped.add(data);
      const chain = r.checks.find((c) => c.id === 'tsr-chain')?.message.replace(/^the TSA certificate chains to the trusted root /, '') ?? '';
      checks.push({
        id: 'timestamp',
        ok: true,
        file: tsr,
        message: `${tsr}: ${data} existed at ${r.genTime} (signed by ${r.tsaName ?? 'the TSA'}; root ${chain})`,
      });
      for (const c of r.checks.filter((x) => x.warning)) checks.push({ id: 'timestamp-clock', ok: true, warning: true, file: tsr, message: `${tsr}: ${c.message}` });
    }
  }
  for (const path of [...captureTime.keys(), MANIFEST_FILE]) {
    if (stamped.has(path) || tokens.some((t) => tsrDataPath(t, files) === path)) continue;
    checks.push({
      id: 'timestamp-missing',
      ok: true,
      warning: true,
      file: path,
      message:
        path === MANIFEST_FILE
          ? `${path} has no trusted time-stamp: the export time rests on the exporting machine's clock only`
          : `${path} has no trusted time-stamp (no authority had answered before export): its capture time rests on the capturing machine's clock only`,
    });
  }
  return checks;
}

/**
 * The time-stamp checks as a check of the bundle verifier (src/bundle/verify.ts):
 *   verifyBundle(zip, { extraChecks: [timestampBundleCheck({ roots })] })
 * Results may carry `warning: true` (passed, but worth a look).
 */
export function timestampBundleCheck(opts: BundleTimestampOptions): BundleCheck {
  return {
    name: 'timestamps',
    async run(ctx: VerifyContext): Promise<CheckResult[]> {
      if (!ctx.manifest) return [];
      const names = new Set(ctx.entries.filter((e) => !e.isDirectory).map((e) => e.name));
      const files = new Map<string, Uint8Array>();
      for (const name of names) {
        if (!name.endsWith(TSR_SUFFIX)) continue;
        files.set(name, await ctx.read(name));
        const data = tsrDataPath(name, names);
        if (data && !files.has(data)) files.set(data, await ctx.read(data));
      }
      return verifyBundleTimestamps(files, ctx.manifest, { ...opts, ledger: opts.ledger ?? ctx.ledger });
    },
  };
}
