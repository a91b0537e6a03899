/**
 * The signing identity: an ECDSA P-256 key pair made on first use and kept in the extension's
 * IndexedDB (`kv`, key IDENTITY_KV_KEY). Keys are extractable so the user can back them up; anyone
 * with the profile can read them, which is why backups are encrypted under a passphrase.
 *
 * Backup format (docs/bundle-format.md, "Key backup"): an age file encrypted with a passphrase
 * (scrypt, so stock `age -d` opens it) around the JSON KeyBackup below.
 */
import { nowIso } from '../shared/time';
import { ageDecryptWithPassphrase, ageEncrypt } from './age';
import {
  ECDSA_P256,
  fromPem,
  importSpki,
  signDer,
  spkiFingerprint,
  toPem,
} from './ecdsa';

export interface Signer {
  spkiDer: Uint8Array;
  /** SHA-256 of spkiDer, lower-case hex. */
  fingerprint: string;
  /** Self-asserted display name or organisation. */
  name: string | null;
  /** DER-encoded ECDSA P-256 / SHA-256 signature of `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export interface OldPublicKey {
  fingerprint: string;
  publicKeyPem: string;
  created: string;
  retired: string;
}

/** What the store keeps under IDENTITY_KV_KEY. */
export interface StoredIdentity {
  version: 1;
  created: string;
  name: string | null;
  pkcs8: Uint8Array;
  spki: Uint8Array;
  fingerprint: string;
  oldKeys: OldPublicKey[];
}

export const KEY_BACKUP_FORMAT = 'jianzheng-key-backup';
export const KEY_BACKUP_VERSION = 1;

/** The JSON inside an encrypted key backup. */
export interface KeyBackup {
  format: typeof KEY_BACKUP_FORMAT;
  version: typeof KEY_BACKUP_VERSION;
  /** When this key pair was made. */
  created: string;
  /** When the backup was written. */
  exported: string;
  name: string | null;
  algorithm: 'ECDSA-P256';
  fingerprint: string;
  /** PKCS#8, PEM "PRIVATE KEY". */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo, PEM "PUBLIC KEY". */
  publicKeyPem: string;
  oldPublicKeys: OldPublicKey[];
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

export async function generateIdentity(name: string | null = null, created = nowIso()): Promise<StoredIdentity> {
  const pair = (await subtle().generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await subtle().exportKey('pkcs8', pair.privateKey));
  const spki = new Uint8Array(await subtle().exportKey('spki', pair.publicKey));
  return { version: 1, created, name, pkcs8, spki, fingerprint: await spkiFingerprint(spki), oldKeys: [] };
}

export async function signerFromIdentity(id: Pick<StoredIdentity, 'pkcs8' | 'spki' | 'fingerprint' | 'name'>): Promise<Signer> {
  const privateKey = await subtle().importKey('pkcs8', id.pkcs8 as BufferSource, ECDSA_P256, false, ['sign']);
  return { spkiDer: id.spki, fingerprint: id.fingerprint, name: id.name, sign: (data) => signDer(privateKey, data) };
}

/** A one-off key, for a CLI run without a profile or backup: the bundle still verifies, under a new key. */
export async function createEphemeralSigner(name: string | null = null): Promise<Signer> {
  return signerFromIdentity(await generateIdentity(name));
}

export function publicKeyPem(id: Pick<StoredIdentity, 'spki'>): string {
  return toPem(id.spki, 'PUBLIC KEY');
}

export function rotatedIdentity(old: StoredIdentity, next: StoredIdentity, when = nowIso()): StoredIdentity {
  return {
    ...next,
    name: old.name,
    oldKeys: [...old.oldKeys, { fingerprint: old.fingerprint, publicKeyPem: publicKeyPem(old), created: old.created, retired: when }],
  };
}

// --- backup ---------------------------------------------------------------------------------------

export function toKeyBackup(id: StoredIdentity, exported = nowIso()): KeyBackup {
  return {
    format: KEY_BACKUP_FORMAT,
    version: KEY_BACKUP_VERSION,
    created: id.created,
    exported,
    name: id.name,
    algorithm: 'ECDSA-P256',
    fingerprint: id.fingerprint,
    privateKeyPem: toPem(id.pkcs8, 'PRIVATE KEY'),
    publicKeyPem: toPem(id.spki, 'PUBLIC KEY'),
    oldPublicKeys: id.oldKeys,
  };
}

export const MIN_BACKUP_PASSPHRASE = 10;

/** Encrypts the identity under `passphrase` (age + scrypt). Returns the bytes of a `.age` file. */
export async function backupIdentity(id: StoredIdentity, passphrase: string): Promise<Uint8Array> {
  if (passphrase.length < MIN_BACKUP_PASSPHRASE) throw new Error(`the passphrase must have at least ${MIN_BACKUP_PASSPHRASE} characters`);
  return ageEncrypt(JSON.stringify(toKeyBackup(id), null, 2), { passphrase });
}

/** Reads and checks a backup: the private key must belong to the public key it names. */
export async function parseKeyBackup(json: string): Promise<StoredIdentity> {
  let b: KeyBackup;
  try {
    b = JSON.parse(json) as KeyBackup;
  } catch {
    throw new Error('the key backup is not JSON');
  }
  if (b.format !== KEY_BACKUP_FORMAT || b.version !== KEY_BACKUP_VERSION) throw new Error('not a Jianzheng key backup (format/version)');
  const pkcs8 = fromPem(b.privateKeyPem, 'PRIVATE KEY');
  const spki = fromPem(b.publicKeyPem, 'PUBLIC KEY');
  const fingerprint = await spkiFingerprint(spki);
  if (fingerprint !== b.fingerprint) throw new Error('the key backup fingerprint does not match its public key');
  // Prove the pair matches: sign with the private key, verify with the public one.
  const priv = await subtle().importKey('pkcs8', pkcs8 as BufferSource, ECDSA_P256, true, ['sign']);
  const probe = new TextEncoder().encode('jianzheng key backup check');
  const sig = await subtle().sign({ name: 'ECDSA', hash: 'SHA-256' }, priv, probe);
  if (!(await subtle().verify({ name: 'ECDSA', hash: 'SHA-256' }, await importSpki(spki), sig, probe))) {
    throw new Error('the private key in the backup does not belong to its public key');
  }
  return {
    version: 1,
    created: b.created,
    name: b.name ?? null,
    pkcs8,
    spki,
    fingerprint,
    oldKeys: Array.isArray(b.oldPublicKeys) ? b.oldPublicKeys : [],
  };
}

export async function restoreIdentity(backup: Uint8Array, passphrase: string): Promise<StoredIdentity> {
  let json: Uint8Array;
  try {
    json = await ageDecryptWithPassphrase(backup, passphrase);
  } catch (e) {
    throw new Error(`cannot decrypt the key backup (wrong passphrase or not an age file): ${(e as Error).message}`);
  }
  return parseKeyBackup(new TextDecoder().decode(json));
}

/** For the CLI's --key <file>: a signer from a passphrase-protected backup. */
export async function signerFromBackup(backup: Uint8Array, passphrase: string): Promise<Signer> {
  return signerFromIdentity(await restoreIdentity(backup, passphrase));
}
