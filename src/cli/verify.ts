/**
 * `npm run verify -- <bundle.zip> [--json]` and the `jianzheng-verify` bin: checks an evidence bundle
 * with the same verifier as the extension. Exit code 0 only when every check passes; 1 when a check
 * fails; 2 for usage errors or an unreadable file.
 */
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { mkdir, open, readdir, readFile, realpath, stat, type FileHandle } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readSync } from 'node:fs';
import { formatReport, verifyBundle, type BundleCheck } from '../bundle/verify';
import { readCentralDirectory, safeJoin, streamEntry, type ZipSource } from '../bundle/zip-reader';
import { timestampBundleCheck } from '../timestamp/bundle';
import { createDigestPool, defaultDigestThreads } from './digest-pool';
import { loadShippedRoots } from '../timestamp/settings';

const USAGE = `usage: jianzheng-verify <bundle.zip> [--json] [--tsa-root <root.pem>]... [--extract <folder>]

Checks a Jianzheng evidence bundle: zip structure, every file's SHA-256, nothing missing or extra,
the signature over manifest.json, each capture record's hash, the custody ledger chain, and the
RFC 3161 time-stamp tokens (against the shipped TSA roots plus any --tsa-root).
With --extract, a bundle that verifies is unpacked into <folder>, which must be new or empty;
nothing is ever written outside it.
Exit code 0 only when all checks pass.
`;

/**
 * Unpacks a bundle into `folder` (new or empty, so no link planted in it can redirect a write). Every
 * name is checked again (safeJoin) and must resolve inside the folder; files are created exclusively.
 */
export async function extractBundle(src: ZipSource, folder: string): Promise<number> {
  const entries = await readCentralDirectory(src);
  await mkdir(folder, { recursive: true });
  if ((await readdir(folder)).length) throw new Error(`${folder} is not empty`);
  const root = await realpath(folder);
  let n = 0;
  for (const e of entries) {
    const target = resolve(safeJoin(root, e.name));
    if (!target.startsWith(root + sep)) throw new Error(`refusing to write "${e.name}" outside ${folder}`);
    if (e.isDirectory) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    if ((await realpath(dirname(target))) !== dirname(target)) throw new Error(`refusing to write "${e.name}": its folder is a link`);
    const out = await open(target, 'wx');
    try {
      let pending: Promise<unknown> = Promise.resolve();
      await streamEntry(src, e, (chunk) => {
        const own = new Uint8Array(chunk); // written later: the source may reuse the chunk's buffer
        pending = pending.then(() => out.write(own));
      });
      await pending;
    } finally {
      await out.close();
    }
    n++;
  }
  return n;
}

/** Bytes read from the file per read-ahead window. */
const WINDOW = 16 * 1024 * 1024;

/**
 * A ZipSource over an open file that serves reads from a read-ahead window. The verifier walks
 * entries in file order and asks for each local header, name and data separately: one positional
 * read each cost a thread-pool round trip per request (most of the verifier's time on bundles of
 * many small files). Reads larger than the window go straight to the file. Returned bytes may be a
 * view into the window; callers that keep bytes copy them (verify.ts does).
 */
export function fileSource(fh: FileHandle, size: number, windowSize = WINDOW): ZipSource {
  let wStart = 0;
  let wLen = 0;
  // One window buffer, refilled: a fresh 16 MB buffer per window cost page faults that made reading
  // from the page cache 3-20x slower (ZipSource.read allows the reuse; readers copy what they keep).
  const win = Buffer.allocUnsafeSlow(windowSize);
  // Synchronous reads: the CLI does nothing else meanwhile, and an asynchronous read waits for a
  // thread-pool hand-off each time, which on a busy machine cost more than the read itself.
  const readAt = async (buf: Buffer, offset: number, length: number): Promise<Buffer> => {
    let n = 0;
    while (n < length) {
      const bytesRead = readSync(fh.fd, buf, n, length - n, offset + n);
      if (!bytesRead) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  };
  return {
    size,
    read: async (offset, length) => {
      if (offset >= wStart && offset + length <= wStart + wLen) return win.subarray(offset - wStart, offset - wStart + length);
      if (length >= windowSize) return readAt(Buffer.allocUnsafeSlow(length), offset, length);
      wLen = (await readAt(win, offset, Math.min(windowSize, Math.max(0, size - offset)))).length;
      wStart = offset;
      return win.subarray(0, Math.min(length, wLen));
    },
  };
}

/**
 * node:zlib's one-shot raw inflate. maxOutputLength makes zlib stop at the declared size, so a zip
 * bomb cannot inflate past it; an output chunk of the declared size lets zlib write the entry into
 * one buffer instead of 16 KB pieces joined afterwards (that join was a fifth of the verifier's time).
 */
export function nodeInflateRaw(raw: Uint8Array, max: number): Uint8Array {
  const limit = Math.max(1, max);
  return inflateRawSync(raw, { maxOutputLength: limit, chunkSize: Math.max(64 * 1024, Math.min(limit + 1, 64 * 1024 * 1024)) });
}

/** The TSA roots shipped with the extension (public/tsa-roots), read from this checkout. */
export function shippedRootsFromRepo(): Promise<string[]> {
  return loadShippedRoots((f) => readFile(new URL(`../../public/tsa-roots/${f}`, import.meta.url), 'utf8'));
}

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/**
 * Runs the CLI. `extraChecks` replaces the default time-stamp check (shipped roots + --tsa-root).
 */
export async function runVerifyCli(argv: string[], io: CliIo, extraChecks?: BundleCheck[]): Promise<number> {
  let json = false;
  let extractTo: string | null = null;
  const tsaRoots: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--extract') {
      extractTo = argv[++i] ?? null;
      if (!extractTo) {
        io.err(USAGE);
        return 2;
      }
    } else if (a === '--tsa-root') {
      const f = argv[++i];
      if (!f) {
        io.err(USAGE);
        return 2;
      }
      try {
        tsaRoots.push(await readFile(f, 'utf8'));
      } catch (e) {
        io.err(`cannot read ${f}: ${(e as Error).message}\n`);
        return 2;
      }
    } else rest.push(a);
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.out(USAGE);
    return 0;
  }
  if (rest.length !== 1 || rest[0]!.startsWith('-')) {
    io.err(USAGE);
    return 2;
  }
  const file = rest[0]!;
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch (e) {
    io.err(`cannot read ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  if (file.endsWith('.age')) {
    io.err(`${file} is encrypted: decrypt it first, e.g. "age -d -o bundle.zip ${file}"\n`);
    return 2;
  }
  // Read-ahead windows over the file and an incremental hash: entries are streamed in slices, the zip
  // and its entries are never loaded whole.
  const fh = await open(file, 'r');
  let report;
  try {
    const src = fileSource(fh, (await fh.stat()).size);
    const checks = extraChecks ?? [timestampBundleCheck({ roots: [...(await shippedRootsFromRepo()), ...tsaRoots] })];
    // Worker threads inflate and hash while this thread reads, when there is a core to spare.
    const pool = defaultDigestThreads() > 0 ? createDigestPool() : null;
    try {
      report = await verifyBundle(src, {
        extraChecks: checks,
        ...(pool ? { digester: pool } : {}),
        createHash: () => createHash('sha256'),
      // maxOutputLength makes zlib stop at the declared size, so a zip bomb cannot inflate past it.
        inflateRaw: nodeInflateRaw,
      });
    } finally {
      await pool?.close();
    }
    io.out(json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
    if (extractTo !== null) {
      if (!report.ok) {
        io.err(`not extracted: the bundle did not verify\n`);
        return 1;
      }
      try {
        const n = await extractBundle(src, extractTo);
        if (!json) io.out(`extracted ${n} files into ${extractTo}\n`);
      } catch (e) {
        io.err(`cannot extract: ${(e as Error).message}\n`);
        return 2;
      }
    }
  } finally {
    await fh.close();
  }
  return report.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runVerifyCli(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`jianzheng-verify: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
