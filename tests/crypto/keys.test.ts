import 'fake-indexeddb/auto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { derToP1363, formatFingerprint, fromPem, p1363ToDer, toPem, verifyDer } from '../../src/crypto/ecdsa';
import { backupIdentity, createEphemeralSigner, generateIdentity, parseKeyBackup, restoreIdentity, signerFromIdentity, toKeyBackup } from '../../src/crypto/keys';
import { getOrCreateIdentity, getSigner, installRestoredIdentity, loadIdentity, rotateIdentity, setSignerName } from '../../src/crypto/identity-store';
import { EvidenceDB } from '../../src/store/db';
import { readLedger, verifyStoredLedger } from '../../src/store/ledger-store';
import { stockAgeDecrypt, tempDir } from '../bundle/fixtures';

const enc = new TextEncoder();

describe('ECDSA signatures in DER', () => {
  it('signs so that openssl verifies, and verifies what openssl signs', async () => {
    const dir = tempDir('jz-ecdsa-');
    const signer = await createEphemeralSigner();
    const data = enc.encode('{"format":"jianzheng-bundle"}\n');
    writeFileSync(join(dir, 'm.json'), data);
    writeFileSync(join(dir, 'pub.pem'), toPem(signer.spkiDer, 'PUBLIC KEY'));
    writeFileSync(join(dir, 'm.sig'), await signer.sign(data));
    expect(execFileSync('openssl', ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'm.sig', 'm.json'], { cwd: dir, encoding: 'utf8' }).trim()).toBe('Verified OK');
    // The fingerprint is SHA-256 of the DER SubjectPublicKeyInfo, as openssl computes it.
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', 'pub.pem', '-outform', 'DER'], { cwd: dir });
    expect(execFileSync('sha256sum', { input: der, encoding: 'utf8' }).split(' ')[0]).toBe(signer.fingerprint);

    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'k.pem'], { cwd: dir });
    execFileSync('openssl', ['pkey', '-in', 'k.pem', '-pubout', '-out', 'k.pub'], { cwd: dir });
    const osig = execFileSync('openssl', ['dgst', '-sha256', '-sign', 'k.pem', 'm.json'], { cwd: dir });
    const spki = fromPem(execFileSync('cat', ['k.pub'], { cwd: dir, encoding: 'utf8' }), 'PUBLIC KEY');
    expect(await verifyDer(spki, data, new Uint8Array(osig))).toBe(true);
    expect(await verifyDer(spki, enc.encode('other'), new Uint8Array(osig))).toBe(false);
  });

  it('round-trips r||s through DER, including values with a high bit or leading zeros', () => {
    const raw = new Uint8Array(64);
    raw[0] = 0x80; // r needs a 0x00 pad byte in DER
    raw[63] = 0x01; // s = 1: many leading zero bytes dropped in DER
    const der = p1363ToDer(raw);
    expect(der[0]).toBe(0x30);
    expect(der.slice(2, 5)).toEqual(new Uint8Array([0x02, 0x21, 0x00]));
    expect(derToP1363(der)).toEqual(raw);
  });

  it('rejects DER that is not one ECDSA signature', () => {
    const der = p1363ToDer(new Uint8Array(64).fill(7));
    expect(() => derToP1363(new Uint8Array([...der, 0]))).toThrow('trailing bytes');
    expect(() => derToP1363(new Uint8Array([0x04, 0x01, 0x00]))).toThrow('not an ECDSA signature');
    expect(() => derToP1363(new Uint8Array([0x30, 0x80]))).toThrow();
  });

  it('formats fingerprints in groups for people', () => {
    expect(formatFingerprint('ab'.repeat(32))).toBe(Array(16).fill('ABAB').join(' '));
  });
});

describe('key backup', () => {
  it('is an age file under a passphrase with the documented JSON, and restores the same key', async () => {
    const id = { ...(await generateIdentity('郑州记者')), oldKeys: [{ fingerprint: 'a'.repeat(64), publicKeyPem: 'x', created: 'c', retired: 'r' }] };
    const file = await backupIdentity(id, 'a long passphrase 123');
    expect(new TextDecoder().decode(file.subarray(0, 21))).toBe('age-encryption.org/v1');
    expect(new TextDecoder().decode(file)).toContain('-> scrypt ');
    // Stock age opens it too, and inside is the documented JSON.
    const dir = tempDir('jz-backup-');
    writeFileSync(join(dir, 'key.age'), file);
    stockAgeDecrypt(join(dir, 'key.age'), join(dir, 'key.json'), 'a long passphrase 123');
    expect(JSON.parse(readFileSync(join(dir, 'key.json'), 'utf8'))).toMatchObject({
      format: 'jianzheng-key-backup',
      version: 1,
      algorithm: 'ECDSA-P256',
      fingerprint: id.fingerprint,
      name: '郑州记者',
      privateKeyPem: expect.stringMatching(/^-----BEGIN PRIVATE KEY-----\n/),
      publicKeyPem: toPem(id.spki, 'PUBLIC KEY'),
    });
    const back = await restoreIdentity(file, 'a long passphrase 123');
    expect(back).toMatchObject({ fingerprint: id.fingerprint, name: '郑州记者', created: id.created, oldKeys: id.oldKeys });
    expect(back.pkcs8).toEqual(id.pkcs8);
    await expect(restoreIdentity(file, 'wrong passphrase!!')).rejects.toThrow(/cannot decrypt the key backup/);
    await expect(backupIdentity(id, 'short')).rejects.toThrow('at least 10 characters');
    const signer = await signerFromIdentity(back);
    expect(await verifyDer(id.spki, enc.encode('x'), await signer.sign(enc.encode('x')))).toBe(true);
  }, 120_000);

  it('refuses a backup whose private key does not match its public key', async () => {
    const a = toKeyBackup(await generateIdentity());
    const b = toKeyBackup(await generateIdentity());
    await expect(parseKeyBackup(JSON.stringify({ ...a, privateKeyPem: b.privateKeyPem }))).rejects.toThrow('does not belong to its public key');
    await expect(parseKeyBackup(JSON.stringify({ ...a, fingerprint: b.fingerprint }))).rejects.toThrow('fingerprint does not match');
    await expect(parseKeyBackup('{"format":"other"}')).rejects.toThrow('not a Jianzheng key backup');
  });
});

describe('identity in the store', () => {
  it('is made once on first use, logged, renamed, rotated with old keys kept, and restored', async () => {
    const db = new EvidenceDB(`keys-${Math.random()}`);
    expect(await loadIdentity(db)).toBeNull();
    const [a, b] = await Promise.all([getOrCreateIdentity(db), getOrCreateIdentity(db)]);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect((await readLedger(db)).map((e) => e.type)).toEqual(['key-created']);

    await setSignerName(db, '  Henan Depositors Archive  ');
    expect((await getSigner(db)).name).toBe('Henan Depositors Archive');

    const rotated = await rotateIdentity(db);
    expect(rotated.fingerprint).not.toBe(a.fingerprint);
    expect(rotated.name).toBe('Henan Depositors Archive');
    expect(rotated.oldKeys).toEqual([expect.objectContaining({ fingerprint: a.fingerprint, publicKeyPem: toPem(a.spki, 'PUBLIC KEY') })]);

    const other = await generateIdentity('restored');
    const installed = await installRestoredIdentity(db, other);
    expect(installed.fingerprint).toBe(other.fingerprint);
    // Every key this profile used stays listed, so its earlier bundles can still be attributed.
    expect(installed.oldKeys.map((k) => k.fingerprint)).toEqual([a.fingerprint, rotated.fingerprint]);
    expect((await readLedger(db)).map((e) => [e.type, e.payload.fingerprint])).toEqual([
      ['key-created', a.fingerprint],
      ['key-rotated', rotated.fingerprint],
      ['key-restored', other.fingerprint],
    ]);
    expect((await verifyStoredLedger(db)).ok).toBe(true);
    expect((await getSigner(db)).fingerprint).toBe(other.fingerprint);
  });
});
