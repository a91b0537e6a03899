/**
 * `npm run verify -- <bundle.zip> [--json]` and the `jianzheng-verify` bin: checks an evidence bundle
 * with the same verifier as the extension. Exit code 0 only when every check passes; 1 when a check
 * fails; 2 for usage errors or an unreadable file.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { formatReport, verifyBundle, type BundleCheck } from '../bundle/verify';
import type { ZipSource } from '../bundle/zip-reader';

const USAGE = `usage: jianzheng-verify <bundle.zip> [--json]

Checks a Jianzheng evidence bundle: zip structure, every file's SHA-256, nothing missing or extra,
the signature over manifest.json, each capture record's hash and the custody ledger chain.
Exit code 0 only when all checks pass.
`;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export async function runVerifyCli(argv: string[], io: CliIo, extraChecks: BundleCheck[] = []): Promise<number> {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
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
  // Positional reads from the file and an incremental hash: entries are streamed in slices, the zip
  // and its entries are never loaded whole.
  const fh = await open(file, 'r');
  let report;
  try {
    const src: ZipSource = {
      size: (await fh.stat()).size,
      read: async (offset, length) => {
        const buf = Buffer.allocUnsafeSlow(length);
        let n = 0;
        while (n < length) {
          const { bytesRead } = await fh.read(buf, n, length - n, offset + n);
          if (!bytesRead) break;
          n += bytesRead;
        }
        return n === length ? buf : buf.subarray(0, n);
      },
    };
    report = await verifyBundle(src, { extraChecks, createHash: () => createHash('sha256') });
  } finally {
    await fh.close();
  }
  io.out(json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
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
