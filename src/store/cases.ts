/**
 * Cases: every capture belongs to one; a default case always exists. Creating, renaming and
 * archiving a case are custody events in the ledger, written in the same transaction as the change.
 */
import { DEFAULT_CASE_ID, type EvidenceDB } from './db';
import { appendEvent } from './ledger-store';
import type { CaseRow } from './schema';
import { nowIso } from '../shared/time';

export const ACTIVE_CASE_KEY = 'activeCaseId';
/** Name of the default case as stored (the UI shows a translated label for DEFAULT_CASE_ID). */
export const DEFAULT_CASE_NAME = 'Default';

/** Creates the default case when missing (with its ledger event). Idempotent. */
export async function ensureDefaultCase(db: EvidenceDB): Promise<CaseRow> {
  // The common case (it exists) needs no read-write transaction, which would queue behind others.
  const found = await db.cases.get(DEFAULT_CASE_ID);
  if (found) return found;
  return db.transaction('rw', db.cases, db.ledger, async () => {
    const existing = await db.cases.get(DEFAULT_CASE_ID);
    if (existing) return existing;
    const row: CaseRow = { id: DEFAULT_CASE_ID, name: DEFAULT_CASE_NAME, createdAt: nowIso(), archived: 0 };
    await db.cases.add(row);
    await appendEvent(db, 'case-created', null, { caseId: row.id, name: row.name }, row.createdAt);
    return row;
  });
}

function cleanName(name: string): string {
  const n = name.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (!n) throw new Error('a case needs a name');
  if (n.length > 200) throw new Error('case name too long');
  return n;
}

export async function createCase(db: EvidenceDB, name: string, id: string = crypto.randomUUID()): Promise<CaseRow> {
  const row: CaseRow = { id, name: cleanName(name), createdAt: nowIso(), archived: 0 };
  await db.transaction('rw', db.cases, db.ledger, async () => {
    await db.cases.add(row);
    await appendEvent(db, 'case-created', null, { caseId: row.id, name: row.name }, row.createdAt);
  });
  return row;
}

export async function renameCase(db: EvidenceDB, id: string, name: string): Promise<CaseRow> {
  const clean = cleanName(name);
  return db.transaction('rw', db.cases, db.ledger, async () => {
    const row = await db.cases.get(id);
    if (!row) throw new Error(`no case ${id}`);
    if (row.name === clean) return row;
    await db.cases.update(id, { name: clean });
    await appendEvent(db, 'case-renamed', null, { caseId: id, from: row.name, to: clean });
    return { ...row, name: clean };
  });
}

/**
 * Archives (or restores) a case: it leaves the pickers and stops watching/recording, its captures
 * stay. The default case cannot be archived, so captures always have somewhere to go.
 */
export async function archiveCase(db: EvidenceDB, id: string, archived = true): Promise<CaseRow> {
  if (id === DEFAULT_CASE_ID && archived) throw new Error('the default case cannot be archived');
  return db.transaction('rw', db.cases, db.ledger, db.kv, async () => {
    const row = await db.cases.get(id);
    if (!row) throw new Error(`no case ${id}`);
    const flag: 0 | 1 = archived ? 1 : 0;
    if (row.archived === flag) return row;
    const patch: Partial<CaseRow> = { archived: flag, ...(archived ? { recording: 0 as const } : {}) };
    await db.cases.update(id, patch);
    await appendEvent(db, 'case-archived', null, { caseId: id, archived });
    if (archived && (await db.kv.get(ACTIVE_CASE_KEY))?.value === id) await db.kv.put({ key: ACTIVE_CASE_KEY, value: DEFAULT_CASE_ID });
    return { ...row, ...patch };
  });
}

/** All cases, the default first, then by name; archived ones only when asked. */
export async function listCases(db: EvidenceDB, opts: { includeArchived?: boolean } = {}): Promise<CaseRow[]> {
  const all = await db.cases.toArray();
  return all
    .filter((c) => opts.includeArchived || !c.archived)
    .sort((a, b) => (a.id === DEFAULT_CASE_ID ? -1 : b.id === DEFAULT_CASE_ID ? 1 : a.name.localeCompare(b.name)));
}

/** The case new captures go to: the one set in the popup, or the default when unset/archived/gone. */
export async function getActiveCaseId(db: EvidenceDB): Promise<string> {
  const id = (await db.kv.get(ACTIVE_CASE_KEY))?.value;
  if (typeof id === 'string') {
    const row = await db.cases.get(id);
    if (row && !row.archived) return id;
  }
  await ensureDefaultCase(db);
  return DEFAULT_CASE_ID;
}

export async function setActiveCaseId(db: EvidenceDB, id: string): Promise<void> {
  const row = await db.cases.get(id);
  if (!row || row.archived) throw new Error(`case ${id} cannot be made active`);
  await db.kv.put({ key: ACTIVE_CASE_KEY, value: id });
}

/** Replaces a case's watch terms (trimmed, de-duplicated, empty ones dropped). Settings, not evidence: no ledger event. */
export async function setCaseWatchTerms(db: EvidenceDB, id: string, terms: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  const clean: string[] = [];
  for (const t of terms) {
    const s = t.trim();
    const k = s.normalize('NFKC').toLowerCase();
    if (s && !seen.has(k)) {
      seen.add(k);
      clean.push(s);
    }
  }
  const n = await db.cases.update(id, { watchTerms: clean });
  if (!n && !(await db.cases.get(id))) throw new Error(`no case ${id}`);
  return clean;
}

export async function setCaseRecording(db: EvidenceDB, id: string, recording: boolean): Promise<void> {
  const row = await db.cases.get(id);
  if (!row) throw new Error(`no case ${id}`);
  if (recording && row.archived) throw new Error('an archived case cannot record');
  await db.cases.update(id, { recording: recording ? 1 : 0 });
}

/** Moves a capture to another case ('capture-moved' event). */
export async function moveCapture(db: EvidenceDB, captureId: string, toCaseId: string): Promise<void> {
  await db.transaction('rw', db.cases, db.captures, db.ledger, async () => {
    const [cap, target] = await Promise.all([db.captures.get(captureId), db.cases.get(toCaseId)]);
    if (!cap) throw new Error(`no capture ${captureId}`);
    if (!target) throw new Error(`no case ${toCaseId}`);
    if (cap.caseId === toCaseId) return;
    await db.captures.update(captureId, { caseId: toCaseId });
    await appendEvent(db, 'capture-moved', captureId, { from: cap.caseId, to: toCaseId });
  });
}
