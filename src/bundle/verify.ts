/**
 * The one bundle verifier, used by the Node CLI (src/cli/verify.ts) and the extension's Verify page.
 * Plain Web APIs only. It runs a list of named checks; other checks (e.g. RFC 3161 time-stamps) plug
 * in through `extraChecks`. Every entry is read and hashed exactly once; small files are kept for the
 * checks that parse them, large ones are dropped after hashing.
 */
import { canonicalJson, sha256Hex } from '../crypto/hash';
import { fromPem, spkiFingerprint, verifyDer } from '../crypto/ecdsa';
import { verifyLedger } from '../ledger/ledger';
import { extractTsaChainPems } from '../timestamp/verify';
import type { ExportedLedgerEvent } from '../ledger/types';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  LEDGER_FILE,
  MANIFEST_FILE,
  MANIFEST_SIG_FILE,
  PUBLIC_KEY_FILE,
  SHA256SUMS_FILE,
  recordPath,
  type CaptureRecord,
  type Manifest,
} from './format';
import {
  DEFAULT_ZIP_LIMITS,
  ONE_SHOT_MAX,
  inflateFailure,
  readStored,
  sizeMismatch,
  ZipError,
  readCentralDirectory,
  readEntry,
  streamEntry,
  zipSource,
  type ZipEntry,
  type ZipLimits,
  type ZipSource,
  type InflateRaw,
} from './zip-reader';

export interface CheckResult {
  /** Stable id of the kind of check, e.g. 'file-hash', 'signature', 'ledger-chain'. */
  id: string;
  ok: boolean;
  /** What was checked, or exactly what is wrong. English; stable enough to grep. */
  message: string;
  /** The bundle file concerned. */
  file?: string;
  /** The ledger event (seq) concerned. */
  event?: number;
  /** ok but worth telling (e.g. a capture without a trusted time-stamp). */
  warning?: boolean;
}

export interface VerifyReport {
  ok: boolean;
  checks: CheckResult[];
  manifest: Manifest | null;
  /** SHA-256 of manifest.json's bytes, when present. */
  manifestSha256: string | null;
}

/** What a check can look at. Files are by bundle path; `bytes` holds the small files the checks parse (see keepsBytes). */
export interface VerifyContext {
  entries: ZipEntry[];
  /** sha256 of every file entry, by path. */
  hashes: Map<string, string>;
  manifest: Manifest | null;
  manifestBytes: Uint8Array | null;
  /** Bytes of small files (manifest, signature, key, sums, ledger, records, tokens). */
  bytes: Map<string, Uint8Array>;
  /** Reads any entry again (for checks that need a large file). */
  read(path: string): Promise<Uint8Array>;
  /** Ledger events as parsed by the ledger check, when it could. */
  ledger: ExportedLedgerEvent[] | null;
}

export interface BundleCheck {
  /** Name for listings; results carry their own ids. */
  name: string;
  run(ctx: VerifyContext): Promise<CheckResult[]>;
}

/** An incremental SHA-256 (e.g. node:crypto createHash('sha256') with digest('hex')). */
export interface IncrementalHash {
  update(data: Uint8Array): unknown;
  /** Lower-case hex. */
  digest(encoding: 'hex'): string;
}

/** One entry's stored bytes for a digester, and whether to hand back its content. */
export interface DigestItem {
  entry: ZipEntry;
  stored: Uint8Array;
  keep: boolean;
}

/** The content's SHA-256 and length, its bytes when kept, or why it could not be inflated. */
export type DigestResult = { sha256: string; size: number; bytes: Uint8Array | null } | { error: string };

/**
 * Inflates (method 8, never past entry.size) or takes as is (method 0) entries' stored bytes and
 * hashes the content, elsewhere than on the calling thread (the CLI: worker threads).
 */
export interface EntryDigester {
  /** Batches it can work on at once; the verifier keeps twice that many in flight. */
  concurrency: number;
  /**
   * A buffer of at least `minBytes` to read a batch's stored bytes into (the digester recycles the
   * ones it got back: fresh memory for every batch cost page faults on the calling thread).
   */
  buffer(minBytes: number): Uint8Array;
  /** Takes ownership of the batch: every item's `stored` is a view into one buffer from buffer(). */
  digest(items: DigestItem[]): Promise<DigestResult[]>;
}

export interface VerifyOptions {
  /**
   * When given, entries are streamed through this hash in slices and never held whole (the CLI
   * passes node:crypto). Otherwise each entry is read whole and hashed with WebCrypto, which has
   * no incremental digest.
   */
  createHash?: () => IncrementalHash;
  /** A faster one-shot inflater for the host (node:zlib in the CLI); Web DecompressionStream otherwise. */
  inflateRaw?: InflateRaw;
  /**
   * Hashes batches of entries in parallel (src/cli/digest-pool.ts). Entries whose stored bytes
   * exceed ONE_SHOT_MAX still stream through createHash here.
   */
  digester?: EntryDigester;
  limits?: Partial<ZipLimits>;
  /** Checks run after the built-in ones (e.g. the time-stamp check of src/timestamp/). */
  extraChecks?: BundleCheck[];
  onProgress?: (done: number, total: number, file: string) => void;
}

const SMALL_FILE = 8 * 1024 * 1024;
/** A digester batch closes at this many stored bytes or entries. */
const DIGEST_BATCH_BYTES = 4 * 1024 * 1024;
const DIGEST_BATCH_ENTRIES = 64;
const text = new TextDecoder('utf-8', { fatal: true });
const decode = (b: Uint8Array | undefined): string | null => {
  if (!b) return null;
  try {
    return text.decode(b);
  } catch {
    return null;
  }
};

/**
 * Files besides manifest.json.sig that may sit next to manifest.json outside the files map: time-stamp
 * tokens over manifest.json and their certificates (src/timestamp/bundle.ts). Any other
 * manifest.json.* name is refused, so nothing can be slipped in beside the signature unchecked.
 */
export const MANIFEST_SIDE_FILE = /^manifest\.json\.(?:(?:\d+\.)?tsr|tsa-certs\.pem)$/;

const isCovered = (path: string): boolean => path !== MANIFEST_FILE && !path.startsWith(MANIFEST_FILE + '.');
const HEX64 = /^[0-9a-f]{64}$/;

// --- built-in checks ------------------------------------------------------------------------------

const manifestCheck: BundleCheck = {
  name: 'manifest',
  async run(ctx) {
    if (!ctx.manifestBytes) return [{ id: 'manifest', ok: false, file: MANIFEST_FILE, message: 'manifest.json is missing' }];
    if (!ctx.manifest) return [{ id: 'manifest', ok: false, file: MANIFEST_FILE, message: 'manifest.json is not valid JSON' }];
    const m = ctx.manifest;
    if (m.format !== BUNDLE_FORMAT) return [{ id: 'manifest', ok: false, file: MANIFEST_FILE, message: `manifest.json format is "${String(m.format)}", not "${BUNDLE_FORMAT}"` }];
    if (m.formatVersion !== BUNDLE_FORMAT_VERSION) return [{ id: 'manifest', ok: false, file: MANIFEST_FILE, message: `manifest.json formatVersion ${String(m.formatVersion)} is not supported (this verifier reads ${BUNDLE_FORMAT_VERSION})` }];
    if (!m.files || typeof m.files !== 'object' || !Array.isArray(m.captures)) return [{ id: 'manifest', ok: false, file: MANIFEST_FILE, message: 'manifest.json lacks its "files" map or "captures" list' }];
    return [{ id: 'manifest', ok: true, file: MANIFEST_FILE, message: `manifest.json: ${m.captures.length} capture(s), ${Object.keys(m.files).length} file(s), created ${m.createdAt}` }];
  },
};

const signatureCheck: BundleCheck = {
  name: 'signature',
  async run(ctx) {
    const out: CheckResult[] = [];
    const pem = decode(ctx.bytes.get(PUBLIC_KEY_FILE));
    const sig = ctx.bytes.get(MANIFEST_SIG_FILE);
    if (!ctx.manifestBytes) return out;
    if (!sig) return [{ id: 'signature', ok: false, file: MANIFEST_SIG_FILE, message: 'manifest.json.sig is missing: the bundle is not signed' }];
    if (pem === null) return [{ id: 'signature', ok: false, file: PUBLIC_KEY_FILE, message: 'public-key.pem is missing or not text' }];
    let spki: Uint8Array;
    try {
      spki = fromPem(pem, 'PUBLIC KEY');
    } catch (e) {
      return [{ id: 'signature', ok: false, file: PUBLIC_KEY_FILE, message: `public-key.pem is not a PEM public key: ${(e as Error).message}` }];
    }
    let valid: boolean;
    try {
      valid = await verifyDer(spki, ctx.manifestBytes, sig);
    } catch (e) {
      return [{ id: 'signature', ok: false, file: MANIFEST_SIG_FILE, message: `the signature cannot be checked: ${(e as Error).message}` }];
    }
    out.push(
      valid
        ? { id: 'signature', ok: true, file: MANIFEST_SIG_FILE, message: 'manifest.json.sig is a valid ECDSA P-256 signature of manifest.json by public-key.pem' }
        : { id: 'signature', ok: false, file: MANIFEST_SIG_FILE, message: 'manifest.json.sig does not verify manifest.json with public-key.pem: manifest.json, the signature or the key was changed' },
    );
    const fp = await spkiFingerprint(spki);
    if (!ctx.manifest) return out;
    const claimed = ctx.manifest.signer?.fingerprint;
    out.push(
      claimed === fp
        ? { id: 'signer', ok: true, file: PUBLIC_KEY_FILE, message: `signed by key ${fp}${ctx.manifest?.signer?.name ? ` ("${ctx.manifest.signer.name}", self-asserted)` : ''}` }
        : { id: 'signer', ok: false, file: PUBLIC_KEY_FILE, message: `public-key.pem has fingerprint ${fp}, but the manifest's signer block says ${claimed ?? '(none)'}` },
    );
    return out;
  },
};

const filesCheck: BundleCheck = {
  name: 'files',
  async run(ctx) {
    const m = ctx.manifest;
    if (!m?.files) return [];
    const out: CheckResult[] = [];
    const listed = Object.entries(m.files);
    for (const [path, want] of listed) {
      const got = ctx.hashes.get(path);
      if (got === undefined) out.push({ id: 'file-missing', ok: false, file: path, message: `${path} is listed in the manifest but missing from the zip` });
      else if (got !== want) out.push({ id: 'file-hash', ok: false, file: path, message: `${path}: SHA-256 is ${got}, the manifest says ${want}: the file was changed` });
      else out.push({ id: 'file-hash', ok: true, file: path, message: `${path}: SHA-256 matches` });
    }
    for (const path of ctx.hashes.keys()) {
      if (isCovered(path) && !(path in m.files)) out.push({ id: 'file-extra', ok: false, file: path, message: `${path} is in the zip but not in the manifest: it was added after signing` });
      else if (!isCovered(path) && path !== MANIFEST_FILE && path !== MANIFEST_SIG_FILE && !MANIFEST_SIDE_FILE.test(path)) {
        out.push({ id: 'file-extra', ok: false, file: path, message: `${path} is not a file the bundle format allows beside manifest.json: it was added` });
      }
    }
    if (!out.some((c) => !c.ok)) out.push({ id: 'files-complete', ok: true, message: `all ${listed.length} files present, nothing missing or extra` });
    return out;
  },
};

const sumsCheck: BundleCheck = {
  name: 'sha256sums',
  async run(ctx) {
    const m = ctx.manifest;
    if (!m?.files) return [];
    const body = decode(ctx.bytes.get(SHA256SUMS_FILE));
    if (body === null) return [{ id: 'sha256sums', ok: false, file: SHA256SUMS_FILE, message: 'SHA256SUMS is missing or not text' }];
    const seen = new Map<string, string>();
    const lines = body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '' && i === lines.length - 1) continue;
      const mm = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (!mm) return [{ id: 'sha256sums', ok: false, file: SHA256SUMS_FILE, message: `SHA256SUMS line ${i + 1} is not in sha256sum format` }];
      seen.set(mm[2]!, mm[1]!);
    }
    for (const [path, want] of Object.entries(m.files)) {
      if (path === SHA256SUMS_FILE) continue;
      if (seen.get(path) !== want) return [{ id: 'sha256sums', ok: false, file: SHA256SUMS_FILE, message: `SHA256SUMS ${seen.has(path) ? 'gives a different hash for' : 'does not list'} ${path}` }];
      seen.delete(path);
    }
    if (seen.size) return [{ id: 'sha256sums', ok: false, file: SHA256SUMS_FILE, message: `SHA256SUMS lists ${[...seen.keys()][0]}, which the manifest does not` }];
    return [{ id: 'sha256sums', ok: true, file: SHA256SUMS_FILE, message: 'SHA256SUMS agrees with the manifest' }];
  },
};

const recordsCheck: BundleCheck = {
  name: 'records',
  async run(ctx) {
    const m = ctx.manifest;
    if (!m?.captures) return [];
    const out: CheckResult[] = [];
    for (const c of m.captures) {
      const path = recordPath(c.id);
      const fail = (message: string): void => void out.push({ id: 'record', ok: false, file: path, message });
      const got = ctx.hashes.get(path);
      if (got === undefined) {
        fail(`capture ${c.id}: ${path} is missing`);
        continue;
      }
      if (got !== c.hash) {
        fail(`capture ${c.id}: SHA-256 of ${path} is ${got}, but the capture hash is ${c.hash}`);
        continue;
      }
      const raw = decode(ctx.bytes.get(path));
      let rec: CaptureRecord;
      try {
        rec = JSON.parse(raw ?? '') as CaptureRecord;
      } catch {
        fail(`capture ${c.id}: ${path} is not JSON`);
        continue;
      }
      if (canonicalJson(rec) !== raw) fail(`capture ${c.id}: ${path} is not in RFC 8785 canonical form`);
      else if (rec.id !== c.id || rec.url !== c.url || rec.finalUrl !== c.finalUrl || rec.capturedAt !== c.capturedAt) {
        fail(`capture ${c.id}: the manifest's id, url, finalUrl or capturedAt differ from ${path}`);
      } else if (canonicalJson(rec.artifacts) !== canonicalJson(c.artifacts)) {
        fail(`capture ${c.id}: the manifest's artifact list differs from ${path}`);
      } else {
        const bad = rec.artifacts.find((a) => m.files[a.path] !== a.sha256);
        if (bad) fail(`capture ${c.id}: ${path} gives ${bad.path} the SHA-256 ${bad.sha256}, the files map ${m.files[bad.path] ?? '(nothing)'}`);
        else out.push({ id: 'record', ok: true, file: path, message: `capture ${c.id}: record hash ${c.hash} matches, ${rec.artifacts.length} artifact(s) bound` });
      }
    }
    return out;
  },
};

const ledgerCheck: BundleCheck = {
  name: 'ledger',
  async run(ctx) {
    const m = ctx.manifest;
    if (!m) return [];
    const raw = decode(ctx.bytes.get(LEDGER_FILE));
    if (raw === null) return [{ id: 'ledger', ok: false, file: LEDGER_FILE, message: 'ledger.jsonl is missing or not text' }];
    const events: ExportedLedgerEvent[] = [];
    const lines = raw.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === '' && i === lines.length - 1) continue;
      try {
        const e = JSON.parse(lines[i]!) as ExportedLedgerEvent;
        if (typeof e.seq !== 'number' || !HEX64.test(e.hash) || !HEX64.test(e.prevHash) || !HEX64.test(e.bodyHash)) throw new Error();
        events.push(e);
      } catch {
        return [{ id: 'ledger', ok: false, file: LEDGER_FILE, message: `ledger.jsonl line ${i + 1} is not a ledger event` }];
      }
    }
    ctx.ledger = events;
    const out: CheckResult[] = [];
    const v = await verifyLedger(events);
    if (!v.ok) {
      const b = v.firstBad!;
      return [{ id: 'ledger-chain', ok: false, file: LEDGER_FILE, event: b.seq, message: `ledger event ${b.seq} (line ${b.index + 1}): ${b.message}` }];
    }
    out.push({ id: 'ledger-chain', ok: true, file: LEDGER_FILE, message: `ledger: ${v.count} events form one unbroken chain from event 1` });
    if (m.ledger) {
      if (m.ledger.count !== events.length || m.ledger.headHash !== v.headHash) {
        out.push({ id: 'ledger-head', ok: false, file: LEDGER_FILE, event: events.at(-1)?.seq, message: `ledger.jsonl ends at event ${events.at(-1)?.seq ?? 0} with hash ${v.headHash}, but the manifest says ${m.ledger.count} events ending in ${m.ledger.headHash}: events were cut or added at the end` });
      } else out.push({ id: 'ledger-head', ok: true, file: LEDGER_FILE, message: `ledger head matches the manifest (${m.ledger.count} events)` });
    } else out.push({ id: 'ledger-head', ok: false, file: MANIFEST_FILE, message: 'the manifest does not record the ledger head, so events cut from the end would go unnoticed' });

    const ids = new Set(m.captures.map((c) => c.id));
    for (const e of events) {
      const cid = e.body?.captureId;
      if (cid && !ids.has(cid)) out.push({ id: 'ledger-disclosure', ok: false, file: LEDGER_FILE, event: e.seq, message: `ledger event ${e.seq} discloses capture ${cid}, which is not in this bundle` });
    }
    for (const c of m.captures) {
      const cap = events.find((e) => e.body?.captureId === c.id && e.body.type === 'captured');
      if (!cap) out.push({ id: 'ledger-capture', ok: false, file: LEDGER_FILE, message: `capture ${c.id} has no disclosed "captured" event in the ledger` });
      else if (typeof cap.body!.payload.hash === 'string' && cap.body!.payload.hash !== c.hash) {
        out.push({ id: 'ledger-capture', ok: false, file: LEDGER_FILE, event: cap.seq, message: `ledger event ${cap.seq} records capture ${c.id} with hash ${String(cap.body!.payload.hash)}, not ${c.hash}` });
      } else out.push({ id: 'ledger-capture', ok: true, file: LEDGER_FILE, event: cap.seq, message: `capture ${c.id} is recorded by ledger event ${cap.seq}` });
    }
    return out;
  },
};

/**
 * manifest.json.tsa-certs.pem is outside the files map (written after signing) and serves only as
 * openssl's -untrusted input; it must hold exactly the certificates the manifest tokens carry, in
 * token order (as src/timestamp/bundle.ts writes it), so a changed byte is caught here.
 */
const manifestSideFilesCheck: BundleCheck = {
  name: 'manifest-side-files',
  async run(ctx) {
    const certsFile = MANIFEST_FILE + '.tsa-certs.pem';
    const have = ctx.bytes.get(certsFile);
    if (!have) return [];
    const tokens = [...ctx.bytes.keys()]
      .map((n) => ({ n, m: /^manifest\.json\.(?:(\d+)\.)?tsr$/.exec(n) }))
      .filter((x) => x.m)
      .sort((a, b) => Number(a.m![1] ?? 1) - Number(b.m![1] ?? 1));
    const pems: string[] = [];
    try {
      for (const { n } of tokens) for (const p of await extractTsaChainPems(ctx.bytes.get(n)!)) if (!pems.includes(p)) pems.push(p);
    } catch (e) {
      return [{ id: 'manifest-side-file', ok: false, file: certsFile, message: `${certsFile}: the manifest time-stamp tokens cannot be read: ${(e as Error).message}` }];
    }
    const want = new TextEncoder().encode(pems.join(''));
    const same = want.length === have.length && want.every((b, i) => b === have[i]);
    return [
      same
        ? { id: 'manifest-side-file', ok: true, file: certsFile, message: `${certsFile} holds exactly the certificates of the manifest time-stamp tokens` }
        : { id: 'manifest-side-file', ok: false, file: certsFile, message: `${certsFile} does not hold exactly the certificates of the manifest time-stamp tokens: it was changed` },
    ];
  },
};

/** The built-in checks, in order. Exported so a caller can list or reorder them. */
// The signature is checked first: it needs only the bytes, and a manifest that does not parse must
// still be reported as not matching its signature.
export const BUILTIN_CHECKS: readonly BundleCheck[] = [signatureCheck, manifestCheck, filesCheck, sumsCheck, recordsCheck, ledgerCheck, manifestSideFilesCheck];

export async function verifyBundle(zip: Uint8Array | Blob | ZipSource, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const limits = { ...DEFAULT_ZIP_LIMITS, ...opts.limits };
  const src: ZipSource = zipSource(zip);
  const checks: CheckResult[] = [];
  const done = (): VerifyReport => ({ ok: checks.length > 0 && checks.every((c) => c.ok), checks, manifest: ctx?.manifest ?? null, manifestSha256 });
  let ctx: VerifyContext | null = null;
  let manifestSha256: string | null = null;

  let entries: ZipEntry[];
  try {
    entries = await readCentralDirectory(src, limits);
  } catch (e) {
    checks.push({ id: 'zip-structure', ok: false, message: (e as Error).message, ...(e instanceof ZipError && e.file ? { file: e.file } : {}) });
    return done();
  }
  const files = entries.filter((e) => !e.isDirectory);
  checks.push({ id: 'zip-structure', ok: true, message: `zip structure is sound: ${files.length} files, no unsafe names, sizes within limits` });

  const hashes = new Map<string, string>();
  const bytes = new Map<string, Uint8Array>();
  const byName = new Map(files.map((e) => [e.name, e]));
  let i = 0;
  // With a digester, entries go out in batches (fewer messages) and results are taken in entry order,
  // so reports read the same as on the one-at-a-time path.
  const digester = opts.digester;
  const inFlight: { items: DigestItem[]; results: Promise<DigestResult[]> }[] = [];
  let batch: DigestItem[] = [];
  let batchBuf: Uint8Array | null = null;
  let batchBytes = 0;
  const settle = async (): Promise<void> => {
    const { items, results } = inFlight.shift()!;
    let rs: DigestResult[];
    try {
      rs = await results;
    } catch (e) {
      rs = items.map(() => ({ error: (e as Error).message }));
    }
    items.forEach(({ entry }, k) => {
      const r = rs[k]!;
      const bad = 'error' in r ? inflateFailure(entry, r.error) : r.size !== entry.size ? sizeMismatch(entry, r.size) : null;
      if (bad) return void checks.push({ id: 'zip-entry', ok: false, file: entry.name, message: bad.message });
      if ('error' in r) return;
      hashes.set(entry.name, r.sha256);
      if (r.bytes) bytes.set(entry.name, r.bytes);
    });
  };
  const send = async (): Promise<void> => {
    if (!batch.length) return;
    inFlight.push({ items: batch, results: digester!.digest(batch) });
    batch = [];
    batchBuf = null;
    batchBytes = 0;
    while (inFlight.length >= 2 * digester!.concurrency) await settle();
  };
  const drain = async (): Promise<void> => {
    await send();
    while (inFlight.length) await settle();
  };
  for (const entry of files) {
    opts.onProgress?.(i++, files.length, entry.name);
    const keepIt = entry.size <= SMALL_FILE && keepsBytes(entry.name);
    try {
      if (digester && entry.compressedSize <= ONE_SHOT_MAX) {
        // Copied into the batch's buffer, which the digester owns: the source may reuse what it read into.
        const view = await readStored(src, entry);
        if (batchBuf && batchBytes + view.length > batchBuf.length) await send();
        batchBuf ??= digester.buffer(Math.max(DIGEST_BATCH_BYTES, view.length));
        batchBuf.set(view, batchBytes);
        batch.push({ entry, stored: batchBuf.subarray(batchBytes, batchBytes + view.length), keep: keepIt });
        batchBytes += view.length;
        if (batchBytes >= DIGEST_BATCH_BYTES || batch.length >= DIGEST_BATCH_ENTRIES) await send();
      } else if (opts.createHash) {
        await drain();
        const h = opts.createHash();
        const keep: Uint8Array[] | null = keepIt ? [] : null;
        await streamEntry(
          src,
          entry,
          (chunk) => {
            h.update(chunk);
            keep?.push(new Uint8Array(chunk)); // a copy: the source may reuse the chunk's buffer
          },
          opts.inflateRaw,
        );
        hashes.set(entry.name, h.digest('hex'));
        if (keep) bytes.set(entry.name, concat(keep, entry.size)); // its chunks are copies already
      } else {
        await drain();
        const data = await readEntry(src, entry);
        hashes.set(entry.name, await sha256Hex(data));
        if (keepIt) bytes.set(entry.name, data);
      }
    } catch (e) {
      checks.push({ id: 'zip-entry', ok: false, file: entry.name, message: (e as Error).message });
    }
  }
  await drain();
  opts.onProgress?.(files.length, files.length, '');

  const manifestBytes = bytes.get(MANIFEST_FILE) ?? null;
  let manifest: Manifest | null = null;
  if (manifestBytes) {
    manifestSha256 = hashes.get(MANIFEST_FILE) ?? null;
    try {
      manifest = JSON.parse(decode(manifestBytes) ?? '') as Manifest;
      if (typeof manifest !== 'object' || manifest === null) manifest = null;
    } catch {
      manifest = null;
    }
  }
  ctx = {
    entries,
    hashes,
    manifest,
    manifestBytes,
    bytes,
    ledger: null,
    read: async (path) => {
      const e = byName.get(path);
      if (!e) throw new Error(`${path} is not in the bundle`);
      return bytes.get(path) ?? readEntry(src, e);
    },
  };
  for (const check of [...BUILTIN_CHECKS, ...(opts.extraChecks ?? [])]) {
    try {
      checks.push(...(await check.run(ctx)));
    } catch (e) {
      checks.push({ id: check.name, ok: false, message: `check "${check.name}" failed to run: ${(e as Error).message}` });
    }
    if (check === manifestCheck && !checks.at(-1)!.ok) break;
  }
  return done();
}

/**
 * Files the checks parse, kept in memory after hashing: the top-level files (manifest, signature,
 * key, sums, ledger, manifest tokens), capture records and time-stamp tokens. Artifacts are hashed
 * and dropped, so memory does not grow with the bundle; a check that needs one reads it again.
 */
function keepsBytes(name: string): boolean {
  return !name.includes('/') || name.endsWith('/record.json') || name.endsWith('.tsr') || name.endsWith('.pem');
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One line per check, for terminals and logs. */
export function formatReport(r: VerifyReport): string {
  const lines = r.checks.map((c) => `${c.ok ? (c.warning ? 'WARN' : 'OK  ') : 'FAIL'} ${c.id.padEnd(17)} ${c.message}`);
  const failed = r.checks.filter((c) => !c.ok).length;
  lines.push(r.ok ? `VERIFIED: all ${r.checks.length} checks passed.` : `NOT VERIFIED: ${failed} of ${r.checks.length} checks failed.`);
  return lines.join('\n') + '\n';
}
