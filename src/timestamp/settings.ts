/**
 * Which time-stamping authorities to ask, kept in the evidence store (kv 'tsa-settings'), and the
 * trusted roots shipped with the extension (public/tsa-roots/). docs/timestamps.md explains the
 * choice of authorities and how to check each shipped root against an independent copy.
 */
import type { EvidenceDB } from '../store/db';

export interface TsaSettings {
  /** false: no network call at all for time-stamps; captures stay unstamped (queued) until enabled. */
  enabled: boolean;
  urls: string[];
}

export const TSA_SETTINGS_KEY = 'tsa-settings';

export interface TsaAuthority {
  url: string;
  operator: string;
  /** Files in public/tsa-roots/ that this authority's tokens chain to. */
  roots: string[];
}

/**
 * Default authorities: independent commercial TSAs, free to use, whose roots are in the Mozilla root
 * store (so anyone can check them against their own system's copy) and shipped in public/tsa-roots/.
 * FreeTSA (https://freetsa.org/tsr) is a good extra choice, but its root is not in the public root
 * stores, so it is not a default: add it in the options and its root with --tsa-root.
 */
export const DEFAULT_TSA_AUTHORITIES: readonly TsaAuthority[] = [
  { url: 'http://timestamp.digicert.com', operator: 'DigiCert', roots: ['digicert-trusted-root-g4.pem', 'digicert-assured-id-root-ca.pem'] },
  { url: 'http://timestamp.sectigo.com', operator: 'Sectigo', roots: ['usertrust-rsa-certification-authority.pem'] },
  { url: 'http://timestamp.globalsign.com/tsa/r6advanced1', operator: 'GlobalSign', roots: ['globalsign-root-ca-r6.pem'] },
];

export const DEFAULT_TSA_URLS: readonly string[] = DEFAULT_TSA_AUTHORITIES.map((a) => a.url);

export function defaultTsaSettings(): TsaSettings {
  return { enabled: true, urls: [...DEFAULT_TSA_URLS] };
}

/** A TSA URL in canonical form; throws with a plain message when it is not an http(s) URL. */
export function normalizeTsaUrl(input: string): string {
  const text = input.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`not a URL: ${text}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`a time-stamping authority must be http or https: ${text}`);
  if (u.username || u.password) throw new Error(`no credentials in a TSA URL, please: ${u.host}`);
  u.hash = '';
  // Keep the URL as typed (no trailing slash added to a bare host): some TSAs answer only on the exact path.
  return /^[a-z]+:\/\/[^/]+$/i.test(text) ? `${u.protocol}//${u.host}` : u.toString();
}

function cleanUrls(urls: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of urls) {
    const u = normalizeTsaUrl(raw);
    if (!out.includes(u)) out.push(u);
  }
  return out;
}

export async function getTsaSettings(db: EvidenceDB): Promise<TsaSettings> {
  const row = await db.kv.get(TSA_SETTINGS_KEY);
  const v = row?.value as Partial<TsaSettings> | undefined;
  if (!v || !Array.isArray(v.urls)) return defaultTsaSettings();
  return { enabled: v.enabled !== false, urls: v.urls.filter((u): u is string => typeof u === 'string') };
}

/**
 * Saves validated settings (URLs normalised, duplicates dropped) and returns what was saved. Without
 * `urls`, only the switch changes and the stored list is kept.
 */
export async function setTsaSettings(db: EvidenceDB, s: { enabled: boolean; urls?: readonly string[] }): Promise<TsaSettings> {
  const urls = s.urls ?? (await getTsaSettings(db)).urls;
  const value: TsaSettings = { enabled: s.enabled, urls: cleanUrls(urls) };
  await db.kv.put({ key: TSA_SETTINGS_KEY, value });
  return value;
}

/**
 * CLI flags: --tsa <url> (repeatable) replaces the defaults; --no-tsa makes no network call at all
 * (the list is kept, so that a profile switched back on still has its authorities).
 */
export function tsaSettingsFromCli(flags: { tsa?: readonly string[]; noTsa?: boolean }): TsaSettings {
  const urls = flags.tsa && flags.tsa.length > 0 ? cleanUrls(flags.tsa) : [...DEFAULT_TSA_URLS];
  return { enabled: !flags.noTsa, urls };
}

/** Reads a file from the shipped tsa-roots folder by name (e.g. "index.json"). */
export type RootLoader = (file: string) => Promise<string>;

export interface ShippedRoot {
  file: string;
  subject: string;
  sha256: string;
  authorities: string[];
}

/** In the extension: the extension's own files (no web-accessible resources needed from its own pages). */
export const extensionRootLoader: RootLoader = async (file) => {
  const rt = (globalThis as { chrome?: { runtime?: { getURL?: (p: string) => string } } }).chrome?.runtime;
  if (!rt?.getURL) throw new Error('not running in the extension: pass a root loader that reads public/tsa-roots/');
  const res = await fetch(rt.getURL(`tsa-roots/${file}`));
  if (!res.ok) throw new Error(`tsa-roots/${file}: HTTP ${res.status}`);
  return res.text();
};

export async function loadShippedRootIndex(loader: RootLoader = extensionRootLoader): Promise<ShippedRoot[]> {
  return JSON.parse(await loader('index.json')) as ShippedRoot[];
}

/**
 * The shipped trusted roots, PEM. In Node (CLI, tests) pass a loader reading the same folder, e.g.
 * `loadShippedRoots((f) => readFile(join(repoRoot, 'public/tsa-roots', f), 'utf8'))`.
 */
export async function loadShippedRoots(loader: RootLoader = extensionRootLoader): Promise<string[]> {
  const index = await loadShippedRootIndex(loader);
  return Promise.all(index.map((r) => loader(r.file)));
}
