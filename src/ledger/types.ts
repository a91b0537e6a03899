/**
 * Chain-of-custody ledger events. Each event commits to its body through `bodyHash`, and to the
 * previous event through `prevHash`, so that an export can disclose the bodies of some events and
 * only the hashes of the others while a verifier still checks one unbroken chain.
 *
 *   bodyHash = SHA-256( JCS(body) )                       body = { time, type, captureId, payload }
 *   hash     = SHA-256( JCS({ seq, prevHash, bodyHash }) )
 *
 * JCS is RFC 8785 canonical JSON; hashes are lower-case hex. The first event has prevHash = GENESIS_HASH.
 */

export const GENESIS_HASH = '0'.repeat(64);

export const LEDGER_EVENT_TYPES = [
  'captured',
  'exported',
  'note',
  'tag',
  'untag',
  'deleted',
  'timestamped',
  'case-created',
  'case-renamed',
  'case-archived',
  'capture-moved',
  'key-created',
  'key-rotated',
  'key-restored',
] as const;
export type LedgerEventType = (typeof LEDGER_EVENT_TYPES)[number];

export interface LedgerEventBody {
  /** UTC ISO 8601 with milliseconds. */
  time: string;
  type: LedgerEventType;
  /** The capture this event concerns, or null for events about the store itself. */
  captureId: string | null;
  payload: Record<string, unknown>;
}

export interface LedgerEvent extends LedgerEventBody {
  /** 1, 2, 3, … without gaps. */
  seq: number;
  prevHash: string;
  bodyHash: string;
  hash: string;
}

/** An event as exported: the body is present for disclosed events and absent for redacted ones. */
export interface ExportedLedgerEvent {
  seq: number;
  prevHash: string;
  bodyHash: string;
  hash: string;
  body?: LedgerEventBody;
}

export type LedgerProblem =
  | 'bad-hash'
  | 'bad-body-hash'
  | 'bad-prev-hash'
  | 'seq-gap'
  | 'seq-order'
  | 'bad-genesis';

export interface LedgerVerification {
  ok: boolean;
  count: number;
  /** The first bad event, when there is one. */
  firstBad?: { seq: number; index: number; problem: LedgerProblem; message: string };
  headHash: string;
}
