/**
 * Time-stamps through the real bundle exporter and verifier (src/bundle/, task B): the contract
 * between the two halves — TimestampRow in, P.tsr out, timestampBundleCheck plugged into verifyBundle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../src/bundle/export';
import { verifyBundle } from '../../src/bundle/verify';
import type { TimestampRow } from '../../src/store/schema';
import { timestampBundleCheck } from '../../src/timestamp/bundle';
import { stampBytes } from '../../src/timestamp/queue';
import { blobBytes, makeCapture, makeInput, makeLedger, rezip, unzipAll } from '../bundle/fixtures';
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
    const { blob, manifest } = await exportBundle(input);
    expect(manifest.timestamps?.map((t) => t.token).sort()).toEqual(['captures/t1/record.json.tsr', 'captures/t2/record.json.tsr']);
    const zip = await blobBytes(blob);

    const report = await verifyBundle(zip, { extraChecks: [timestampBundleCheck({ roots: [tsa.rootPem] })] });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    const ts = report.checks.filter((c) => c.id.startsWith('timestamp'));
    expect(ts.filter((c) => c.id === 'timestamp').map((c) => c.file).sort()).toEqual(['captures/t1/record.json.tsr', 'captures/t2/record.json.tsr']);
    // The fixtures' capture clock says 2022: the gap to the token time is flagged, not failed.
    expect(ts.filter((c) => c.id === 'timestamp-clock')).toHaveLength(2);

    const files = await unzipAll(zip);
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
