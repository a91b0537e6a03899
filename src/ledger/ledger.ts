import { canonicalJson, sha256Hex } from '../crypto/hash';
import {
  GENESIS_HASH,
  type ExportedLedgerEvent,
  type LedgerEvent,
  type LedgerEventBody,
  type LedgerVerification,
} from './types';

export function bodyOf(e: LedgerEventBody): LedgerEventBody {
  return { time: e.time, type: e.type, captureId: e.captureId, payload: e.payload };
}

export function computeBodyHash(body: LedgerEventBody): Promise<string> {
  return sha256Hex(canonicalJson(bodyOf(body)));
}

export function computeEventHash(seq: number, prevHash: string, bodyHash: string): Promise<string> {
  return sha256Hex(canonicalJson({ seq, prevHash, bodyHash }));
}

/** Builds the next event of a chain whose head is `prev` (or the genesis when null). */
export async function makeEvent(prev: Pick<LedgerEvent, 'seq' | 'hash'> | null, body: LedgerEventBody): Promise<LedgerEvent> {
  const seq = prev ? prev.seq + 1 : 1;
  const prevHash = prev ? prev.hash : GENESIS_HASH;
  const bodyHash = await computeBodyHash(body);
  const hash = await computeEventHash(seq, prevHash, bodyHash);
  return { seq, prevHash, bodyHash, hash, ...bodyOf(body) };
}

/**
 * Checks a whole chain, or an exported slice of one (`startSeq` > 1 with `expectedPrev` unknown).
 * Events may be full (LedgerEvent) or exported (body optional). Reports the first bad event: an
 * altered body or header, a removed, inserted or reordered event all break either a hash link or
 * the sequence.
 */
export async function verifyLedger(
  events: ReadonlyArray<LedgerEvent | ExportedLedgerEvent>,
  opts: { allowSlice?: boolean } = {},
): Promise<LedgerVerification> {
  // Every digest is started up front and awaited in chain order: one WebCrypto call at a time cost a
  // round trip each (two per event), most of the verifier's check time on a long ledger. The verdict
  // is still the first bad event in order.
  const bodyHashes = events.map((e) => {
    const body = 'body' in e ? e.body : 'type' in e ? bodyOf(e as LedgerEvent) : undefined;
    return body ? computeBodyHash(body) : null;
  });
  const eventHashes = events.map((e) => computeEventHash(e.seq, e.prevHash, e.bodyHash));
  // Rejections are seen where each is awaited below; these keep an early return from leaving them unhandled.
  for (const p of [...bodyHashes, ...eventHashes]) p?.catch(() => undefined);
  let prev: { seq: number; hash: string } | null = null;
  for (let index = 0; index < events.length; index++) {
    const e = events[index]!;
    const fail = (problem: NonNullable<LedgerVerification['firstBad']>['problem'], message: string): LedgerVerification => ({
      ok: false,
      count: events.length,
      firstBad: { seq: e.seq, index, problem, message },
      headHash: prev?.hash ?? GENESIS_HASH,
    });
    if (prev === null) {
      if (!opts.allowSlice) {
        if (e.seq !== 1) return fail('bad-genesis', `the chain starts at event ${e.seq}, not at event 1`);
        if (e.prevHash !== GENESIS_HASH) return fail('bad-genesis', 'event 1 does not start from the genesis hash');
      }
    } else {
      if (e.seq <= prev.seq) return fail('seq-order', `event ${e.seq} comes after event ${prev.seq}: events are out of order or repeated`);
      if (e.seq !== prev.seq + 1) return fail('seq-gap', `events ${prev.seq + 1}–${e.seq - 1} are missing before event ${e.seq}`);
      if (e.prevHash !== prev.hash) return fail('bad-prev-hash', `event ${e.seq} does not link to event ${prev.seq}: an event was removed, inserted or altered`);
    }
    const bodyHash = bodyHashes[index];
    if (bodyHash) {
      const body = ('body' in e ? e.body : bodyOf(e as LedgerEvent))!;
      if ((await bodyHash) !== e.bodyHash) return fail('bad-body-hash', `the content of event ${e.seq} (${body.type}) was altered`);
    }
    const hash = await eventHashes[index]!;
    if (hash !== e.hash) return fail('bad-hash', `the hash of event ${e.seq} does not match its content`);
    prev = { seq: e.seq, hash: e.hash };
  }
  return { ok: true, count: events.length, headHash: prev?.hash ?? GENESIS_HASH };
}

/** For an export: every event of the chain, with bodies only for those `disclose` accepts. */
export function exportLedger(events: readonly LedgerEvent[], disclose: (e: LedgerEvent) => boolean): ExportedLedgerEvent[] {
  return events.map((e) => {
    const out: ExportedLedgerEvent = { seq: e.seq, prevHash: e.prevHash, bodyHash: e.bodyHash, hash: e.hash };
    if (disclose(e)) out.body = bodyOf(e);
    return out;
  });
}
