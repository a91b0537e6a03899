/**
 * Notes and tags on a capture. They are the researcher's own statements about the evidence, so
 * each is a ledger event ('note', 'tag', 'untag') written in the same transaction as the row change:
 * the custody history shows who-knew-what-when, and the capture's record.json stays untouched.
 */
import type { EvidenceDB } from './db';
import { appendEvent } from './ledger-store';
import { nowIso } from '../shared/time';

export const MAX_NOTE = 20_000;
export const MAX_TAG = 100;

export function cleanTag(tag: string): string {
  const t = tag.normalize('NFKC').replace(/\s+/g, ' ').trim();
  if (!t) throw new Error('empty tag');
  if (t.length > MAX_TAG) throw new Error('tag too long');
  return t;
}

async function liveCapture(db: EvidenceDB, id: string) {
  const row = await db.captures.get(id);
  if (!row) throw new Error(`no capture ${id}`);
  if (row.deleted) throw new Error(`capture ${id} was deleted`);
  return row;
}

export async function addNote(db: EvidenceDB, captureId: string, text: string): Promise<{ time: string; text: string }> {
  const clean = text.replace(/\r\n?/g, '\n').trim();
  if (!clean) throw new Error('empty note');
  if (clean.length > MAX_NOTE) throw new Error('note too long');
  const note = { time: nowIso(), text: clean };
  await db.transaction('rw', db.captures, db.ledger, async () => {
    const row = await liveCapture(db, captureId);
    await db.captures.update(captureId, { notes: [...row.notes, note] });
    await appendEvent(db, 'note', captureId, { text: clean }, note.time);
  });
  return note;
}

/** Adds a tag; returns false (and writes nothing) when the capture already has it. */
export async function addTag(db: EvidenceDB, captureId: string, tag: string): Promise<boolean> {
  const t = cleanTag(tag);
  return db.transaction('rw', db.captures, db.ledger, async () => {
    const row = await liveCapture(db, captureId);
    if (row.tags.includes(t)) return false;
    await db.captures.update(captureId, { tags: [...row.tags, t] });
    await appendEvent(db, 'tag', captureId, { tag: t });
    return true;
  });
}

/** Removes a tag; returns false when the capture did not have it. */
export async function removeTag(db: EvidenceDB, captureId: string, tag: string): Promise<boolean> {
  const t = cleanTag(tag);
  return db.transaction('rw', db.captures, db.ledger, async () => {
    const row = await liveCapture(db, captureId);
    if (!row.tags.includes(t)) return false;
    await db.captures.update(captureId, { tags: row.tags.filter((x) => x !== t) });
    await appendEvent(db, 'untag', captureId, { tag: t });
    return true;
  });
}

/** Every tag in use (for the filter list), from the multi-entry index's keys only: fast at any size. */
export async function allTags(db: EvidenceDB): Promise<string[]> {
  return ((await db.captures.orderBy('tags').uniqueKeys()) as string[]).sort((a, b) => a.localeCompare(b));
}
