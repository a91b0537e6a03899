import Dexie from 'dexie';
import type { EvidenceDB } from './db';
import { makeEvent, verifyLedger } from '../ledger/ledger';
import type { LedgerEvent, LedgerEventBody, LedgerEventType, LedgerVerification } from '../ledger/types';
import { nowIso } from '../shared/time';

/**
 * Appends one event. Must run inside a read-write transaction that includes `ledger`, so that the
 * event is written together with whatever it records, or not at all; the transaction also makes
 * concurrent appends take turns, so sequence numbers never collide.
 */
export async function appendEvent(
  db: EvidenceDB,
  type: LedgerEventType,
  captureId: string | null,
  payload: Record<string, unknown>,
  time: string = nowIso(),
): Promise<LedgerEvent> {
  if (!Dexie.currentTransaction) throw new Error('appendEvent must run inside a transaction');
  const head = await db.ledger.orderBy('seq').last();
  const body: LedgerEventBody = { time, type, captureId, payload };
  const event = await makeEventInTx(head ?? null, body);
  await db.ledger.add(event);
  return event;
}

// WebCrypto digests resolve outside IndexedDB's task, which would let the transaction commit early;
// Dexie.waitFor keeps it alive while we hash.
function makeEventInTx(head: LedgerEvent | null, body: LedgerEventBody): Promise<LedgerEvent> {
  return Dexie.waitFor(makeEvent(head, body));
}

/**
 * Appends many events at once (seeding, imports): one head read, hashing kept inside the
 * transaction with Dexie.waitFor, one bulk write. Same rule as appendEvent: call inside a
 * read-write transaction that includes `ledger`.
 */
export async function appendEvents(db: EvidenceDB, bodies: readonly LedgerEventBody[]): Promise<LedgerEvent[]> {
  if (!Dexie.currentTransaction) throw new Error('appendEvents must run inside a transaction');
  const first: LedgerEvent | null = (await db.ledger.orderBy('seq').last()) ?? null;
  const events = await Dexie.waitFor(
    (async () => {
      const out: LedgerEvent[] = [];
      let head = first;
      for (const body of bodies) {
        head = await makeEvent(head, body);
        out.push(head);
      }
      return out;
    })(),
  );
  await db.ledger.bulkAdd(events);
  return events;
}

export async function readLedger(db: EvidenceDB): Promise<LedgerEvent[]> {
  return db.ledger.orderBy('seq').toArray();
}

export async function verifyStoredLedger(db: EvidenceDB): Promise<LedgerVerification> {
  return verifyLedger(await readLedger(db));
}
