/**
 * ECDSA P-256 / SHA-256 signatures in the form stock tools use. WebCrypto signs in IEEE P1363 form
 * (r||s, 64 bytes); openssl and X.509 use DER (SEQUENCE { INTEGER r, INTEGER s }). pkijs does the
 * conversion (a library, not hand-written DER).
 */
import * as asn1js from 'asn1js';
import { createCMSECDSASignature, createECDSASignatureFromCMS } from 'pkijs';
import { sha256Hex } from './hash';

export const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const P256_POINT_SIZE = 32;

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

/** Exactly the bytes of `u` as a fresh ArrayBuffer (WebCrypto and pkijs want ArrayBuffers). */
export function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.buffer.byteLength === u.byteLength && u.byteOffset === 0 && u.buffer instanceof ArrayBuffer
    ? u.buffer
    : // A copy: a Node Buffer's slice() is a view that still shares the whole pool/window.
      (new Uint8Array(u).buffer as ArrayBuffer);
}

export function p1363ToDer(raw: Uint8Array): Uint8Array {
  if (raw.length !== 2 * P256_POINT_SIZE) throw new Error(`expected a ${2 * P256_POINT_SIZE}-byte P-256 signature, got ${raw.length}`);
  return new Uint8Array(createCMSECDSASignature(toArrayBuffer(raw)));
}

/** DER → r||s. Throws on anything that is not exactly one DER SEQUENCE of two INTEGERs. */
export function derToP1363(der: Uint8Array): Uint8Array {
  const parsed = asn1js.fromBER(toArrayBuffer(der));
  if (parsed.offset === -1) throw new Error('the signature is not valid DER');
  if (parsed.offset !== der.length) throw new Error('the signature has trailing bytes after its DER value');
  const seq = parsed.result;
  if (!(seq instanceof asn1js.Sequence) || seq.valueBlock.value.length !== 2 || !seq.valueBlock.value.every((v) => v instanceof asn1js.Integer)) {
    throw new Error('the signature is not an ECDSA signature (SEQUENCE of two INTEGERs)');
  }
  for (const v of seq.valueBlock.value as asn1js.Integer[]) {
    const n = v.toBigInt();
    if (n <= 0n || n >= 1n << 256n) throw new Error('the signature has an out-of-range value');
  }
  return new Uint8Array(createECDSASignatureFromCMS(seq, P256_POINT_SIZE));
}

/** Signs `data` and returns the DER signature openssl expects. */
export async function signDer(privateKey: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  const raw = new Uint8Array(await subtle().sign(ECDSA_SHA256, privateKey, data as BufferSource));
  return p1363ToDer(raw);
}

export async function importSpki(spkiDer: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey('spki', spkiDer as BufferSource, ECDSA_P256, true, ['verify']);
}

/** True when `derSig` is a valid signature of `data` by the key `spkiDer`; throws when either cannot be parsed. */
export async function verifyDer(spkiDer: Uint8Array, data: Uint8Array, derSig: Uint8Array): Promise<boolean> {
  const key = await importSpki(spkiDer);
  const raw = derToP1363(derSig);
  return subtle().verify(ECDSA_SHA256, key, raw as BufferSource, data as BufferSource);
}

/** SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex (the form stored in manifests). */
export function spkiFingerprint(spkiDer: Uint8Array): Promise<string> {
  return sha256Hex(spkiDer);
}

/** For people: upper-case hex in groups of four, e.g. `3F2A 91C0 …`. */
export function formatFingerprint(hex: string): string {
  return (hex.toUpperCase().match(/.{1,4}/g) ?? []).join(' ');
}

// --- PEM ------------------------------------------------------------------------------------------

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export { toBase64, fromBase64 };

export function toPem(der: Uint8Array, label: 'PUBLIC KEY' | 'PRIVATE KEY'): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Decodes exactly one PEM block with `label`; throws otherwise. */
export function fromPem(pem: string, label: 'PUBLIC KEY' | 'PRIVATE KEY'): Uint8Array {
  const m = new RegExp(`^\\s*-----BEGIN ${label}-----\\r?\\n([A-Za-z0-9+/=\\r\\n]+)-----END ${label}-----\\s*$`).exec(pem);
  if (!m) throw new Error(`not a single PEM "${label}" block`);
  try {
    return fromBase64(m[1]!.replace(/[\r\n]/g, ''));
  } catch {
    throw new Error(`the PEM "${label}" block is not valid base64`);
  }
}
