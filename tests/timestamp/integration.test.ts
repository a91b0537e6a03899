/**
 * Time-stamps through the real bundle exporter and verifier (src/bundle/, task B): the contract
 * between the two halves — TimestampRow in, P.tsr out, timestampBundleCheck plugged into verifyBundle.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../src/bundle/export';
import { verifyBundle } from '../../src/bundle/verify';
import type { TimestampRow } from '../../src/store/schema';
import { manifestTimestampFiles, timestampBundleCheck } from '../../src/timestamp/bundle';
import { stampBytes } from '../../src/timestamp/queue';
import { blobBytes, makeCapture, makeInput, makeLedger, rezip, unzipAll, writeTree } from '../bundle/fixtures';

const run = promisify(execFile);
import { startLocalTsa, type LocalTsa } from './local-tsa';

describe('time-stamps in a real exported bundle', () => {
  let tsa: LocalTsa;
  beforeAll(async () => {
    tsa = await startLocalTsa();
  });
  afterAll(async () => {
    await tsa.close();
  });

  it('exports tokens as P.tsr and verifies them; a swapped token is caught', async () => {
    const caps = [await makeCapture('t1'), await makeCapture('t2')];
    const timestamps: TimestampRow[] = [];
    for (const c of caps) {
      const r = await stampBytes(new TextEncoder().encode(c.row.recordJson), { enabled: true, urls: [tsa.url] });
      for (const t of r.tokens) {
        timestamps.push({ id: crypto.randomUUID(), captureId: c.row.id, path: `captures/${c.row.id}/record.json`, tsaUrl: t.tsaUrl, genTime: t.genTime, response: t.response });
      }
    }
    const input = { ...(await makeInput(caps, await makeLedger(caps))), timestamps };
    // The manifest is stamped at export through the exporter's hook, as the extension and CLI do.
    const { blob, manifest } = await exportBundle(input, {
      manifestTimestamps: async (bytes) => manifestTimestampFiles((await stampBytes(bytes, { enabled: true, urls: [tsa.url] })).tokens),
    });
    expect(manifest.timestamps?.map((t) => t.token).sort()).toEqual(['captures/t1/record.json.tsr', 'captures/t2/record.json.tsr']);
    const zip = await blobBytes(blob);

    const report = await verifyBundle(zip, { extraChecks: [timestampBundleCheck({ roots: [tsa.rootPem] })] });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    const ts = report.checks.filter((c) => c.id.startsWith('timestamp'));
    expect(ts.filter((c) => c.id === 'timestamp').map((c) => c.file).sort()).toEqual([
      'captures/t1/record.json.tsr',
      'captures/t2/record.json.tsr',
      'manifest.json.tsr',
    ]);
    // The fixtures' clocks say 2022 (captures and export): each gap to the token time is flagged, not failed.
    expect(ts.filter((c) => c.id === 'timestamp-clock' && c.ok)).toHaveLength(3);

    const files = await unzipAll(zip);
    // Stock openssl on the unzipped bundle, as VERIFY.txt tells a recipient to do.
    const dir = await mkdtemp(join(tmpdir(), 'jz-tsi-'));
    try {
      writeTree(dir, files);
      await writeFile(join(dir, '..', `${dir.split('/').pop()}.root.pem`), tsa.rootPem);
      for (const p of ['captures/t1/record.json', 'manifest.json']) {
        const r = await run('openssl', ['ts', '-verify', '-data', p, '-in', `${p}.tsr`, '-CAfile', join(dir, '..', `${dir.split('/').pop()}.root.pem`)], { cwd: dir });
        expect(r.stdout).toContain('Verification: OK');
      }
    } finally {
      await rm(join(dir, '..', `${dir.split('/').pop()}.root.pem`), { force: true });
      await rm(dir, { recursive: true, force: true });
    }
    const t1 = files.get('captures/t1/record.json.tsr')!;
    files.set('captures/t1/record.json.tsr', files.get('captures/t2/record.json.tsr')!);
    files.set('captures/t2/record.json.tsr', t1);
    const bad = await verifyBundle(await rezip(files), { extraChecks: [timestampBundleCheck({ roots: [tsa.rootPem] })] });
    expect(bad.ok).toBe(false);
    expect(bad.checks.filter((c) => c.id === 'timestamp-imprint').map((c) => c.file).sort()).toEqual([
      'captures/t1/record.json.tsr',
      'captures/t2/record.json.tsr',
    ]);
  });
});
