import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { canonicalJson, sha256Hex } from '../../src/crypto/hash';
import { EvidenceDB } from '../../src/store/db';
import { initTimestampAlarms, TSA_ALARM } from '../../src/timestamp/alarms';
import { enqueueTimestamp, pendingTimestampCount } from '../../src/timestamp/queue';
import { setTsaSettings } from '../../src/timestamp/settings';
import { startLocalTsa, type LocalTsa } from './local-tsa';

describe('time-stamp alarm', () => {
  let tsa: LocalTsa;
  beforeAll(async () => {
    tsa = await startLocalTsa();
  });
  afterAll(async () => {
    await tsa.close();
  });

  it('schedules a periodic alarm and, when it fires, stamps what the queue holds', async () => {
    fakeBrowser.reset();
    const db = new EvidenceDB(`jz-alarm-${process.pid}`);
    await setTsaSettings(db, { enabled: true, urls: [tsa.url] });
    const recordJson = canonicalJson({ id: 'al1', note: '健康码' });
    await db.captures.add({
      id: 'al1', caseId: 'default', hash: await sha256Hex(recordJson), recordJson, url: 'https://example.org/', finalUrl: 'https://example.org/',
      capturedAt: new Date().toISOString(), title: null, site: 'example.org', platform: null, postStatus: null, tags: [], notes: [],
      trustedTime: 'none', artifacts: [], size: 0, deleted: 0,
    });
    await enqueueTimestamp(db, 'al1', { now: 0 });

    initTimestampAlarms(fakeBrowser, () => db, { runAtStart: false });
    await expect.poll(() => fakeBrowser.alarms.get(TSA_ALARM)).toMatchObject({ name: TSA_ALARM, periodInMinutes: 1 });
    expect(await pendingTimestampCount(db)).toBe(1);

    await fakeBrowser.alarms.onAlarm.trigger({ name: 'something-else', scheduledTime: Date.now() });
    await fakeBrowser.alarms.onAlarm.trigger({ name: TSA_ALARM, scheduledTime: Date.now() });
    await expect.poll(() => pendingTimestampCount(db), { timeout: 10_000 }).toBe(0);
    expect((await db.captures.get('al1'))!.trustedTime).toBe('stamped');
    expect(await db.timestamps.count()).toBe(1);
    db.close();
  });
});
