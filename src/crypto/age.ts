/**
 * age encryption (https://age-encryption.org/v1) through the age-encryption package, so that the
 * stock `age -d` CLI opens what we write.
 */
import { Decrypter, Encrypter } from 'age-encryption';

export interface AgeOptions {
  /** X25519 (`age1…`) or other recipients age-encryption accepts. */
  recipients?: string[];
  /** Passphrase (scrypt). Exclusive with recipients: the age format allows one or the other. */
  passphrase?: string;
}

export function hasAge(opts: AgeOptions | undefined): opts is AgeOptions {
  return !!opts && (!!opts.passphrase || (opts.recipients?.length ?? 0) > 0);
}

export function makeEncrypter(opts: AgeOptions): Encrypter {
  const recipients = opts.recipients ?? [];
  if (opts.passphrase && recipients.length) throw new Error('age: use recipients or a passphrase, not both');
  const enc = new Encrypter();
  if (opts.passphrase) enc.setPassphrase(opts.passphrase);
  for (const r of recipients) {
    if (!/^age1[0-9a-z]+$/.test(r.trim())) throw new Error(`age: "${r}" is not an age recipient (age1…)`);
    enc.addRecipient(r.trim());
  }
  if (!opts.passphrase && !recipients.length) throw new Error('age: no recipient or passphrase');
  return enc;
}

export async function ageEncrypt(data: Uint8Array | string, opts: AgeOptions): Promise<Uint8Array> {
  return makeEncrypter(opts).encrypt(data);
}

/** Encrypts a stream; the output is produced as the input is read. */
export async function ageEncryptStream(data: ReadableStream<Uint8Array>, opts: AgeOptions): Promise<ReadableStream<Uint8Array>> {
  return makeEncrypter(opts).encrypt(data);
}

export async function ageDecryptWithPassphrase(data: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const dec = new Decrypter();
  dec.addPassphrase(passphrase);
  return dec.decrypt(data);
}
