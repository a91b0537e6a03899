import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { canonicalJson, sha256Hex } from '../../src/crypto/hash';
import { RECORD_FORMAT, RECORD_FORMAT_VERSION, type CaptureRecord } from '../../src/bundle/format';
import { EvidenceDB } from '../../src/store/db';
import { readLedger, verifyStoredLedger } from '../../src/store/ledger-store';
import type { CaptureRow } from '../../src/store/schema';
import {
  backoffDelay,
  enqueueTimestamp,
  pendingTimestampCount,
  processTimestampQueue,
  queueId,
  retryTimestampsNow,
  stampBytes,
  stampNow,
} from '../../src/timestamp/queue';
import type { TsaSettings } from '../../src/timestamp/settings';
import { verifyTimestampToken } from '../../src/timestamp/verify';
import { startLocalTsa, type LocalTsa } from './local-tsa';

let dbCount = 0;
const freshName = () => `jz-tsq-${process.pid}-${++dbCount}`;

async function makeCapture(db: EvidenceDB, id: string): Promise<CaptureRow> {
  const record: CaptureRecord = {
    format: RECORD_FORMAT,
    formatVersion: RECORD_FORMAT_VERSION,
    id,
    url: `https://example.org/news/${id}`,
    finalUrl: `https://example.org/news/${id}`,
    capturedAt: new Date().toISOString(),
    tool: { name: 'Jianzheng', version: 'test' },
    page: { title: '村镇银行储户健康码变红', canonicalUrl: null, author: null, publishedAt: null, siteName: null, lang: 'zh', description: null },
    artifacts: [],
  };
  const recordJson = canonicalJson(record);
  const row: CaptureRow = {
    id,
    caseId: 'default',
    hash: await sha256Hex(recordJson),
    recordJson,
    url: record.url,
    finalUrl: record.finalUrl,
    capturedAt: record.capturedAt,
    title: record.page.title,
    site: 'example.org',
    platform: null,
    postStatus: null,
    tags: [],
    notes: [],
    trustedTime: 'none',
    artifacts: [],
    size: 0,
    deleted: 0,
  };
  await db.captures.add(row);
  return row;
}

describe('time-stamp queue', () => {
  let tsa: LocalTsa;
  let db: EvidenceDB;
  let settings: TsaSettings;

  beforeAll(async () => {
    tsa = await startLocalTsa();
  });
  afterAll(async () => {
    await tsa.close();
  });
  beforeEach(async () => {
    await tsa.start();
    tsa.mode = 'ok';
    db = new EvidenceDB(freshName());
    await db.open();
    settings = { enabled: true, urls: [tsa.url] };
  });

  it('backs off from 30 s, doubling, capped at 1 h, with jitter', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, mid))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffDelay(12, mid)).toBe(3_600_000);
    expect(backoffDelay(1, () => 0)).toBe(24_000);
    expect(backoffDelay(1, () => 0.999999)).toBe(36_000);
  });

  it('stamps a capture right away when the authority answers', async () => {
    const cap = await makeCapture(db, 'c-now');
    expect(await stampNow(db, cap.id, settings)).toBe('stamped');
    const rows = await db.timestamps.where('captureId').equals(cap.id).toArray();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ path: `captures/${cap.id}/record.json`, tsaUrl: tsa.url });
    const v = await verifyTimestampToken(rows[0]!.response, new TextEncoder().encode(cap.recordJson), { roots: [tsa.rootPem], referenceTime: cap.capturedAt });
    expect(v.ok).toBe(true);
    expect(v.genTime).toBe(rows[0]!.genTime);
    expect((await db.captures.get(cap.id))!.trustedTime).toBe('stamped');
    expect(await pendingTimestampCount(db)).toBe(0);
    const ev = (await readLedger(db)).filter((e) => e.type === 'timestamped');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.payload).toMatchObject({ path: `captures/${cap.id}/record.json`, sha256: cap.hash, tokens: [{ tsaUrl: tsa.url, genTime: rows[0]!.genTime }] });
  });

  it('authority down: saved as pending with backoff in the store; after a restart and the authority up again, the queue stamps it', async () => {
    await tsa.stop();
    const cap = await makeCapture(db, 'c-offline');
    const t0 = Date.now();
    expect(await stampNow(db, cap.id, settings)).toBe('pending');
    const q = (await db.queue.get(queueId(cap.id)))!;
    expect(q.attempts).toBe(1);
    expect(q.nextAttemptAt).toBeGreaterThanOrEqual(t0 + 24_000);
    expect(q.nextAttemptAt).toBeLessThanOrEqual(Date.now() + 36_000);
    expect(q.lastError).toContain(`${tsa.url}: unreachable`);
    expect((await db.captures.get(cap.id))!.trustedTime).toBe('pending');

    // Not yet due: no request is made.
    await tsa.start();
    const before = tsa.requests;
    expect(await processTimestampQueue(db, settings, Date.now())).toEqual({ stamped: 0, pending: 1 });
    expect(tsa.requests).toBe(before);

    // "Browser restart": a new connection to the same store knows everything it needs.
    const name = db.name;
    db.close();
    const db2 = new EvidenceDB(name);
    expect(await processTimestampQueue(db2, settings, q.nextAttemptAt)).toEqual({ stamped: 1, pending: 0 });
    expect((await db2.captures.get(cap.id))!.trustedTime).toBe('stamped');
    const row = (await db2.timestamps.where('captureId').equals(cap.id).first())!;
    expect((await verifyTimestampToken(row.response, new TextEncoder().encode(cap.recordJson), { roots: [tsa.rootPem] })).ok).toBe(true);
    expect((await readLedger(db2)).map((e) => e.type)).toEqual(['timestamped']);
    expect((await verifyStoredLedger(db2)).ok).toBe(true);
    db2.close();
  });

  it('a second failure doubles the delay and keeps the error', async () => {
    await tsa.stop();
    const cap = await makeCapture(db, 'c-twice');
    await stampNow(db, cap.id, settings, { random: () => 0.5 });
    const first = (await db.queue.get(queueId(cap.id)))!;
    const at = first.nextAttemptAt;
    await processTimestampQueue(db, settings, at, { random: () => 0.5 });
    const second = (await db.queue.get(queueId(cap.id)))!;
    expect(second.attempts).toBe(2);
    expect(second.nextAttemptAt).toBe(at + 60_000);
  });

  it('one dead authority among several does not stop the capture being stamped', async () => {
    const dead = 'http://127.0.0.1:9/tsr';
    const cap = await makeCapture(db, 'c-mixed');
    expect(await stampNow(db, cap.id, { enabled: true, urls: [dead, tsa.url] })).toBe('stamped');
    const ev = (await readLedger(db)).find((e) => e.type === 'timestamped')!;
    expect(ev.payload.unanswered).toEqual([dead]);
    expect(await db.timestamps.count()).toBe(1);
  });

  it('asks a dead authority once per run, not once per capture', async () => {
    const calls: string[] = [];
    const failing = (async (url: string) => {
      calls.push(url);
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    for (const id of ['a', 'b', 'c']) await enqueueTimestamp(db, (await makeCapture(db, id)).id, { now: 0 });
    const r = await processTimestampQueue(db, { enabled: true, urls: ['http://tsa.invalid/'] }, 1000, { fetch: failing });
    expect(r).toEqual({ stamped: 0, pending: 3 });
    expect(calls).toEqual(['http://tsa.invalid/']);
    const rows = await db.queue.toArray();
    expect(rows.every((q) => q.attempts === 1 && q.nextAttemptAt > 1000)).toBe(true);
    expect(rows.filter((q) => q.lastError?.startsWith('no authority answered in this run'))).toHaveLength(2);
  });

  it('makes no network call at all when switched off, and stamps later when switched on', async () => {
    const spy = vi.fn(async () => {
      throw new Error('must not be called');
    }) as unknown as typeof fetch;
    const cap = await makeCapture(db, 'c-off');
    const off = { enabled: false, urls: [tsa.url] };
    expect(await stampNow(db, cap.id, off, { fetch: spy })).toBe('disabled');
    expect(await processTimestampQueue(db, off, Number.MAX_SAFE_INTEGER, { fetch: spy })).toEqual({ stamped: 0, pending: 1 });
    expect(await stampBytes(new Uint8Array([1]), off, { fetch: spy })).toEqual({ tokens: [], errors: [] });
    expect(spy).not.toHaveBeenCalled();
    expect((await db.captures.get(cap.id))!.trustedTime).toBe('disabled');
    expect(await retryTimestampsNow(db, settings)).toEqual({ stamped: 1, pending: 0 });
  });

  it('re-queues a capture saved as pending whose queue row was never written (worker stopped in between)', async () => {
    const cap = await makeCapture(db, 'c-orphan');
    await db.captures.update(cap.id, { trustedTime: 'pending' });
    expect(await processTimestampQueue(db, settings, Date.now())).toEqual({ stamped: 1, pending: 0 });
    expect((await db.captures.get(cap.id))!.trustedTime).toBe('stamped');
  });

  it('drops the queue item of a deleted capture', async () => {
    const cap = await makeCapture(db, 'c-del');
    await enqueueTimestamp(db, cap.id, { now: 0 });
    await db.captures.update(cap.id, { deleted: 1 });
    expect(await processTimestampQueue(db, settings, 1)).toEqual({ stamped: 0, pending: 0 });
  });

  it('stampNow returns within its budget when the authority never answers', async () => {
    const cap = await makeCapture(db, 'c-hang');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let signal: AbortSignal | undefined;
      let called!: () => void;
      const fetched = new Promise<void>((res) => (called = res));
      const never = ((_u: string, init?: RequestInit) => {
        signal = init?.signal ?? undefined;
        called();
        return new Promise<Response>(() => {});
      }) as unknown as typeof fetch;
      const p = stampNow(db, cap.id, settings, { fetch: never });
      await fetched;
      await vi.advanceTimersByTimeAsync(4000); // the default per-request timeout
      expect(signal?.aborted).toBe(true);
      vi.useRealTimers();
      expect(await p).toBe('pending');
      expect((await db.queue.get(queueId(cap.id)))!.lastError).toContain('no answer within 4000 ms');
    } finally {
      vi.useRealTimers();
    }
  });

  it('stampBytes returns one token per answering authority', async () => {
    const tsa2 = await startLocalTsa({ name: 'Second' });
    try {
      const bytes = new TextEncoder().encode('{"format":"jianzheng-bundle"}');
      const r = await stampBytes(bytes, { enabled: true, urls: [tsa.url, tsa2.url] });
      expect(r.errors).toEqual([]);
      expect(r.tokens.map((t) => t.tsaUrl)).toEqual([tsa.url, tsa2.url]);
      for (const [t, root] of [[r.tokens[0]!, tsa.rootPem], [r.tokens[1]!, tsa2.rootPem]] as const) {
        expect((await verifyTimestampToken(t.response, bytes, { roots: [root], nonce: t.nonce })).ok).toBe(true);
      }
    } finally {
      await tsa2.close();
    }
  });
});
