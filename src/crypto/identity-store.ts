/**
 * The signing identity in the evidence store, with its ledger events (key-created, key-rotated,
 * key-restored), each written in the same transaction as the key itself.
 */
import type { EvidenceDB } from '../store/db';
import { appendEvent } from '../store/ledger-store';
import { generateIdentity, rotatedIdentity, signerFromIdentity, type Signer, type StoredIdentity } from './keys';

export const IDENTITY_KV_KEY = 'signing-identity';

export async function loadIdentity(db: EvidenceDB): Promise<StoredIdentity | null> {
  const row = await db.kv.get(IDENTITY_KV_KEY);
  return (row?.value as StoredIdentity | undefined) ?? null;
}

/** The identity, made (and logged) on first use. Two callers racing both end with the same key. */
export async function getOrCreateIdentity(db: EvidenceDB): Promise<StoredIdentity> {
  const existing = await loadIdentity(db);
  if (existing) return existing;
  const fresh = await generateIdentity();
  return db.transaction('rw', db.kv, db.ledger, async () => {
    const again = await db.kv.get(IDENTITY_KV_KEY);
    if (again) return again.value as StoredIdentity;
    await db.kv.put({ key: IDENTITY_KV_KEY, value: fresh });
    await appendEvent(db, 'key-created', null, { fingerprint: fresh.fingerprint });
    return fresh;
  });
}

export async function getSigner(db: EvidenceDB): Promise<Signer> {
  return signerFromIdentity(await getOrCreateIdentity(db));
}

export async function setSignerName(db: EvidenceDB, name: string | null): Promise<StoredIdentity> {
  const id = await getOrCreateIdentity(db);
  const next = { ...id, name: name?.trim() ? name.trim() : null };
  await db.kv.put({ key: IDENTITY_KV_KEY, value: next });
  return next;
}

/** A new key pair; the old public key is kept in `oldKeys` so earlier bundles can still be attributed. */
export async function rotateIdentity(db: EvidenceDB): Promise<StoredIdentity> {
  const old = await getOrCreateIdentity(db);
  const fresh = await generateIdentity();
  return db.transaction('rw', db.kv, db.ledger, async () => {
    const current = ((await db.kv.get(IDENTITY_KV_KEY))?.value as StoredIdentity | undefined) ?? old;
    const next = rotatedIdentity(current, fresh);
    await db.kv.put({ key: IDENTITY_KV_KEY, value: next });
    await appendEvent(db, 'key-rotated', null, { fingerprint: next.fingerprint, previous: current.fingerprint });
    return next;
  });
}

/** Replaces the identity with a restored one; a different current key is kept as an old key. */
export async function installRestoredIdentity(db: EvidenceDB, restored: StoredIdentity): Promise<StoredIdentity> {
  return db.transaction('rw', db.kv, db.ledger, async () => {
    const current = (await db.kv.get(IDENTITY_KV_KEY))?.value as StoredIdentity | undefined;
    let next = restored;
    if (current && current.fingerprint !== restored.fingerprint) {
      const known = new Set(restored.oldKeys.map((k) => k.fingerprint));
      next = {
        ...restored,
        oldKeys: [
          ...restored.oldKeys,
          ...rotatedIdentity(current, restored).oldKeys.filter((k) => !known.has(k.fingerprint) && k.fingerprint !== restored.fingerprint),
        ],
      };
    }
    await db.kv.put({ key: IDENTITY_KV_KEY, value: next });
    await appendEvent(db, 'key-restored', null, { fingerprint: next.fingerprint, replaced: current?.fingerprint ?? null });
    return next;
  });
}
