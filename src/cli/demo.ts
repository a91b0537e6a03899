/**
 * npm run demo: serves a demo news article (demo/site) on 127.0.0.1, captures it with the CLI's own
 * code path and prints what was written and where.
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { resolve, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { runCapture } from './capture';
import { parseCaptureArgs } from './args';

const SITE = resolve(import.meta.dirname, '../../demo/site');

async function main(): Promise<number> {
  const server = createServer(async (req, res) => {
    try {
      const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
      const file = join(SITE, path.endsWith('/') ? `${path}index.html` : path);
      if (!file.startsWith(SITE)) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': file.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const out = resolve(process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1]! : 'demo-evidence.zip');
  process.stderr.write(`Demo article served at ${url}\n`);
  try {
    // The demo makes no calls to public time-stamping authorities: it must work offline.
    const args = parseCaptureArgs(['--no-tsa', '--out', out, '--browser-arg=--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', url]);
    const summary = await runCapture(args, (s) => process.stderr.write(`${s}\n`));
    const c = summary.captures[0]!;
    if (!c.ok) {
      process.stderr.write(`Capture failed: ${c.error}\n`);
      return 1;
    }
    process.stdout.write(
      [
        '',
        `Captured:   ${url}`,
        `Title:      ${c.title}`,
        `Capture id: ${c.id}`,
        `Record SHA-256 (capture hash): ${c.hash}`,
        `Bundle:     ${summary.out} (${summary.bundleSize} bytes)`,
        `Bundle SHA-256: ${summary.bundleSha256}`,
        `Signed by:  ${summary.signer?.fingerprint ?? 'n/a'}`,
        '',
        'Check it:',
        `  npm run verify -- ${summary.out}`,
        `  mkdir demo-bundle && cd demo-bundle && unzip ../${summary.out!.split('/').pop()} && sha256sum -c SHA256SUMS`,
        '  openssl dgst -sha256 -verify public-key.pem -signature manifest.json.sig manifest.json',
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    server.close();
  }
}

main().then((code) => process.exit(code), (e: Error) => {
  process.stderr.write(`Error: ${e.message}\n`);
  process.exit(1);
});
