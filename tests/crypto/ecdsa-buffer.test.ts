import { describe, expect, it } from 'vitest';
import { ECDSA_P256, signDer, toArrayBuffer, verifyDer } from '../../src/crypto/ecdsa';
import { ab } from '../../src/timestamp/asn';

describe('views into larger buffers', () => {
  // A Node Buffer's slice() is a view, not a copy: the verifier's read window once made a valid
  // signature fail with "trailing bytes", because the whole window was parsed as the signature.
  it('verifyDer accepts a signature that is a Node Buffer view into a larger buffer', async () => {
    const pair = (await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
    const data = new TextEncoder().encode('manifest bytes');
    const sig = await signDer(pair.privateKey, data);
    const window = Buffer.alloc(sig.length + 100, 0x30);
    window.set(sig, 40);
    const view = window.subarray(40, 40 + sig.length);
    expect(await verifyDer(spki, data, view)).toBe(true);
  });

  it('toArrayBuffer and ab return exactly the view\'s bytes', () => {
    const big = Buffer.from([9, 9, 1, 2, 3, 9, 9]);
    const view = big.subarray(2, 5);
    expect([...new Uint8Array(toArrayBuffer(view))]).toEqual([1, 2, 3]);
    expect([...new Uint8Array(ab(view))]).toEqual([1, 2, 3]);
  });
});
