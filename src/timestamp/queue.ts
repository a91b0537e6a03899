/**
 * The time-stamp queue. A capture is saved at once; its token is fetched right after (stampNow,
 * bounded to a few seconds) or later by the queue (processTimestampQueue, run by an alarm), with
 * exponential backoff. All state is in Dexie (`queue`, `timestamps`, `captures.trustedTime`), so it
 * survives service-worker stops and browser restarts; nothing lives only in memory.
 */
import { recordPath } from '../bundle/format';
import { sha256Hex } from '../crypto/hash';
import type { EvidenceDB } from '../store/db';
import { appendEvent } from '../store/ledger-store';
import type { QueueRow, TimestampRow, TrustedTimeStatus } from '../store/schema';
import { DEFAULT_TSA_TIMEOUT_MS, TsaError, requestToken, type TokenResult } from './client';
import type { TsaSettings } from './settings';

export const TSA_RETRY_BASE_MS = 30_000;
export const TSA_RETRY_MAX_MS = 60 * 60_000;
/** stampNow never holds a capture up longer than this. */
export const STAMP_NOW_BUDGET_MS = 5000;

export interface StampOptions {
  /** Per-request timeout; default 4 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** For tests: the jitter source, in [0, 1). */
  random?: () => number;
}

export interface StampBytesResult {
  tokens: TokenResult[];
  errors: { tsaUrl: string; message: string }[];
}

export function queueId(captureId: string): string {
  return `timestamp:${captureId}`;
}

/** Delay before retry number `attempts` (1 = after the first failure): 30 s doubling to 1 h, ±20 % jitter. */
export function backoffDelay(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(TSA_RETRY_MAX_MS, TSA_RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Asks every configured authority at once for a token over `bytes` (e.g. manifest.json at export).
 * Independent authorities: the result holds each token that came back and each failure; it never
 * throws for a dead authority and never makes a network call when time-stamping is switched off.
 */
export async function stampBytes(bytes: Uint8Array, settings: TsaSettings, opts: StampOptions = {}): Promise<StampBytesResult> {
  if (!settings.enabled || settings.urls.length === 0) return { tokens: [], errors: [] };
  const results = await Promise.allSettled(
    settings.urls.map((url) => requestToken(url, bytes, { timeoutMs: opts.timeoutMs ?? DEFAULT_TSA_TIMEOUT_MS, fetch: opts.fetch })),
  );
  const out: StampBytesResult = { tokens: [], errors: [] };
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') out.tokens.push(r.value);
    else out.errors.push({ tsaUrl: settings.urls[i]!, message: r.reason instanceof Error ? r.reason.message : String(r.reason) });
  });
  return out;
}

/**
 * Puts a capture in the queue (idempotent) and marks it as awaiting trusted time. Safe to call inside
 * the transaction that saves the capture (include `queue` and `captures` in it), so that a crash
 * cannot leave a capture that nobody will stamp.
 */
export async function enqueueTimestamp(
  db: EvidenceDB,
  captureId: string,
  opts: { status?: Extract<TrustedTimeStatus, 'pending' | 'disabled'>; now?: number } = {},
): Promise<QueueRow> {
  return db.transaction('rw', db.queue, db.captures, async () => {
    const id = queueId(captureId);
    let row = await db.queue.get(id);
    if (!row) {
      row = { id, kind: 'timestamp', captureId, attempts: 0, nextAttemptAt: opts.now ?? Date.now(), lastError: null };
      await db.queue.put(row);
    }
    const cap = await db.captures.get(captureId);
    if (cap && cap.trustedTime !== 'stamped') await db.captures.update(captureId, { trustedTime: opts.status ?? 'pending' });
    return row;
  });
}

type AttemptOutcome = 'stamped' | 'failed' | 'gone';

async function recordFailure(db: EvidenceDB, item: QueueRow, message: string, now: number, random?: () => number): Promise<void> {
  await db.transaction('rw', db.queue, db.captures, async () => {
    const row = await db.queue.get(item.id);
    if (!row) return; // stamped meanwhile by another context
    const attempts = row.attempts + 1;
    await db.queue.put({ ...row, attempts, nextAttemptAt: now + backoffDelay(attempts, random), lastError: message });
    const cap = await db.captures.get(row.captureId);
    if (cap && cap.trustedTime !== 'stamped') await db.captures.update(row.captureId, { trustedTime: 'pending' });
  });
}

/** One attempt for one queued capture, against the given authorities. */
async function attempt(db: EvidenceDB, item: QueueRow, urls: string[], now: number, opts: StampOptions): Promise<{ outcome: AttemptOutcome; errors: StampBytesResult['errors'] }> {
  const cap = await db.captures.get(item.captureId);
  if (!cap || cap.deleted === 1) {
    await db.queue.delete(item.id);
    return { outcome: 'gone', errors: [] };
  }
  if (urls.length === 0) {
    await recordFailure(db, item, 'no time-stamping authority configured', now, opts.random);
    return { outcome: 'failed', errors: [] };
  }
  const { tokens, errors } = await stampBytes(new TextEncoder().encode(cap.recordJson), { enabled: true, urls }, opts);
  if (tokens.length === 0) {
    await recordFailure(db, item, errors.map((e) => e.message).join('; '), now, opts.random);
    return { outcome: 'failed', errors };
  }
  const path = recordPath(cap.id);
  const rows: TimestampRow[] = tokens.map((t) => ({
    id: crypto.randomUUID(),
    captureId: cap.id,
    path,
    tsaUrl: t.tsaUrl,
    genTime: t.genTime,
    response: t.response,
  }));
  const summary = await Promise.all(
    tokens.map(async (t) => ({ tsaUrl: t.tsaUrl, genTime: t.genTime, serial: t.serial, nonce: t.nonce, responseSha256: await sha256Hex(t.response) })),
  );
  let stored = false;
  await db.transaction('rw', [db.queue, db.captures, db.timestamps, db.ledger], async () => {
    // Another context (the alarm, the options page) may have stamped it while we were asking.
    if (!(await db.queue.get(item.id))) return;
    await db.timestamps.bulkAdd(rows);
    await db.captures.update(cap.id, { trustedTime: 'stamped' });
    await appendEvent(db, 'timestamped', cap.id, {
      path,
      sha256: cap.hash,
      tokens: summary,
      unanswered: errors.map((e) => e.tsaUrl),
    });
    await db.queue.delete(item.id);
    stored = true;
  });
  return { outcome: stored ? 'stamped' : 'gone', errors };
}

export async function pendingTimestampCount(db: EvidenceDB): Promise<number> {
  return db.queue.where('kind').equals('timestamp').count();
}

const running = new WeakMap<EvidenceDB, Promise<{ stamped: number; pending: number }>>();

/**
 * Works through every queued capture that is due at `now`. Each is stamped by all configured
 * authorities that answer (one is enough); an authority that fails is not asked again in the same
 * run, so a dead network costs one timeout per run, not one per capture. Concurrent calls in the
 * same context share one run.
 */
export function processTimestampQueue(
  db: EvidenceDB,
  settings: TsaSettings,
  now: number = Date.now(),
  opts: StampOptions = {},
): Promise<{ stamped: number; pending: number }> {
  const inFlight = running.get(db);
  if (inFlight) return inFlight;
  const run = (async () => {
    let stamped = 0;
    if (settings.enabled) {
      // Captures marked as waiting without a queue row (e.g. saved by an older version): queue them.
      for (const cap of await db.captures.where('trustedTime').anyOf('pending', 'disabled').toArray()) {
        if (cap.deleted === 0 && !(await db.queue.get(queueId(cap.id)))) await enqueueTimestamp(db, cap.id, { now });
      }
      const due = await db.queue.where('nextAttemptAt').belowOrEqual(now).filter((q) => q.kind === 'timestamp').toArray();
      const dead = new Map<string, string>();
      for (const item of due) {
        const live = settings.urls.filter((u) => !dead.has(u));
        if (live.length === 0 && settings.urls.length > 0) {
          await recordFailure(db, item, `no authority answered in this run (${[...dead.values()].join('; ')})`, now, opts.random);
          continue;
        }
        try {
          const r = await attempt(db, item, live, now, opts);
          if (r.outcome === 'stamped') stamped++;
          for (const e of r.errors) dead.set(e.tsaUrl, e.message);
        } catch (e) {
          // One broken row must not stop the others; it stays queued and is retried later.
          await recordFailure(db, item, `internal error: ${e instanceof Error ? e.message : String(e)}`, now, opts.random).catch(() => undefined);
        }
      }
    }
    return { stamped, pending: await pendingTimestampCount(db) };
  })();
  running.set(db, run);
  return run.finally(() => running.delete(db));
}

/**
 * Right after a capture is saved: queue it and try at once, for at most ~5 s. Returns the capture's
 * trusted-time status: 'stamped', 'pending' (the queue will retry) or 'disabled' (no network calls).
 * Never throws: nothing here may undo or fail the capture.
 */
export async function stampNow(db: EvidenceDB, captureId: string, settings: TsaSettings, opts: StampOptions = {}): Promise<TrustedTimeStatus> {
  let item: QueueRow;
  try {
    item = await enqueueTimestamp(db, captureId, { status: settings.enabled ? 'pending' : 'disabled' });
  } catch {
    // Never fail the capture; a capture left 'pending' without a queue row is re-queued by the next run.
    return settings.enabled ? 'pending' : 'disabled';
  }
  if (!settings.enabled) return 'disabled';
  const timeoutMs = Math.min(opts.timeoutMs ?? DEFAULT_TSA_TIMEOUT_MS, STAMP_NOW_BUDGET_MS - 500);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise<'late'>((res) => (timer = setTimeout(() => res('late'), STAMP_NOW_BUDGET_MS)));
  const trying = attempt(db, item, settings.urls, Date.now(), { ...opts, timeoutMs });
  trying.catch(() => undefined); // may finish after the budget; its result is in the store either way
  try {
    const r = await Promise.race([trying, budget]);
    if (r === 'late') return 'pending';
    if (r.outcome === 'stamped') return 'stamped';
  } catch {
    /* a store error here must not fail the capture: the queue retries */
  } finally {
    clearTimeout(timer);
  }
  return (await db.captures.get(captureId))?.trustedTime ?? 'pending';
}

/** "Retry now" in the options page: make every queued item due, then run the queue. */
export async function retryTimestampsNow(db: EvidenceDB, settings: TsaSettings, opts: StampOptions = {}): Promise<{ stamped: number; pending: number }> {
  await db.queue.where('kind').equals('timestamp').modify({ nextAttemptAt: 0 });
  return processTimestampQueue(db, settings, Date.now(), opts);
}

export { TsaError };
