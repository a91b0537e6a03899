/**
 * Single-bit flips of a real RFC 3161 token. A manifest.json.tsr sits outside the bundle's signed
 * file map, so the token's own integrity checks are all that protects it: our verifier must never
 * accept a flip that `openssl ts -verify` refuses, and should refuse every flip at all.
 *
 * Offsets tried: every header byte (tag and length) of every ASN.1 element of the response, also
 * inside the DER wrapped in OCTET STRINGs (the TSTInfo, certificate extensions), plus the first and
 * last byte and every STRIDE-th byte of every value, plus the offsets from the original finding.
 * That touches every field while keeping the run short (each verification checks several RSA
 * signatures and re-parses the token). Set JZ_TAMPER_FULL=1 to try every single byte as well.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import { Certificate, ContentInfo, SignedData, TimeStampResp } from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestToken } from '../../src/timestamp/client';
import { verifyTimestampToken } from '../../src/timestamp/verify';
import { startLocalTsa, type LocalTsa } from './local-tsa';

const run = promisify(execFile);
const STRIDE = 128;
/** Offsets reported accepted in the finding (then: the first embedded certificate's signature, the second copy's subject). */
const FINDING = [900, 1000, 1282];

interface Field {
  start: number;
  headerLength: number;
  end: number;
  tag: string;
}

/** Every element of the DER value, with absolute offsets; descends into OCTET STRINGs holding DER. */
function fields(der: Uint8Array): Field[] {
  const out: Field[] = [];
  const walk = (bytes: Uint8Array, base: number) => {
    let at = 0;
    while (at < bytes.length) {
      const r = asn1js.fromBER(bytes.slice(at).buffer);
      if (r.offset === -1) return;
      const b = r.result;
      const total = r.offset;
      const headerLength = b.idBlock.blockLength + b.lenBlock.blockLength;
      out.push({ start: base + at, headerLength, end: base + at + total, tag: `${b.idBlock.tagClass}/${b.idBlock.tagNumber}` });
      const content = bytes.subarray(at + headerLength, at + total);
      const universalOctets = b.idBlock.tagClass === 1 && b.idBlock.tagNumber === 4 && !b.idBlock.isConstructed;
      if (b.idBlock.isConstructed) walk(content, base + at + headerLength);
      else if (universalOctets && content.length > 1 && asn1js.fromBER(content.slice().buffer).offset === content.length) {
        walk(content, base + at + headerLength);
      }
      at += total;
    }
  };
  walk(der, 0);
  return out;
}

function offsetsToTry(der: Uint8Array): number[] {
  const set = new Set<number>(FINDING.filter((o) => o < der.length));
  for (const f of fields(der)) {
    for (let i = f.start; i < f.start + f.headerLength; i++) set.add(i);
    const v0 = f.start + f.headerLength;
    if (f.end > v0) {
      set.add(v0);
      set.add(f.end - 1);
      for (let i = v0; i < f.end; i += STRIDE) set.add(i);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/** Offset of the PKIStatus INTEGER's value byte: TimeStampResp ::= SEQUENCE { status SEQUENCE { INTEGER ... } ... }. */
function statusValueOffset(der: Uint8Array): number {
  const [, status, integer] = fields(der);
  expect(status!.tag).toBe('1/16');
  expect(integer!.tag).toBe('1/2');
  return integer!.start + integer!.headerLength;
}

function flip(der: Uint8Array, at: number): Uint8Array {
  const copy = der.slice();
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe('single-bit flips of a real RFC 3161 token', () => {
  let tsa: LocalTsa;
  let dir: string;
  let token: Uint8Array;
  const data = new TextEncoder().encode('{"format":"jianzheng-bundle-manifest","files":{"record.json":"…"}}');

  beforeAll(async () => {
    tsa = await startLocalTsa();
    dir = await mkdtemp(join(tmpdir(), 'jz-tamper-'));
    token = (await requestToken(tsa.url, data)).response;
    await writeFile(join(dir, 'data'), data);
  });
  afterAll(async () => {
    await tsa.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function opensslAccepts(tsr: Uint8Array): Promise<boolean> {
    const p = join(dir, 'flipped.tsr');
    await writeFile(p, tsr);
    try {
      const r = await run('openssl', ['ts', '-verify', '-data', join(dir, 'data'), '-in', p, '-CAfile', tsa.rootPath]);
      return /Verification: OK/.test(r.stdout);
    } catch {
      return false; // "Verification: FAILED" exits non-zero, as does a token openssl cannot read
    }
  }

  async function oursAccepts(tsr: Uint8Array): Promise<boolean> {
    return (await verifyTimestampToken(tsr, data, { roots: [tsa.rootPem] })).ok;
  }

  /** Accepted with no warning at all: what a tampered token must never get. */
  async function oursAcceptsSilently(tsr: Uint8Array): Promise<boolean> {
    const r = await verifyTimestampToken(tsr, data, { roots: [tsa.rootPem] });
    return r.ok && !r.checks.some((c) => c.warning);
  }

  it('the untouched token passes both verifiers (else every rejection below would mean nothing)', async () => {
    expect(await oursAccepts(token)).toBe(true);
    expect(await opensslAccepts(token)).toBe(true);
    // openssl ts -reply with -chain tsa.pem embeds the TSA certificate twice: the case that fooled us.
    const sd = new SignedData({ schema: ContentInfo.fromBER(TimeStampResp.fromBER(token.slice().buffer).timeStampToken!.toSchema().toBER()).content });
    expect((sd.certificates ?? []).filter((c) => c instanceof Certificate).length).toBe(2);
  });

  it('our verifier refuses or flags a flip in every field of the token; it never accepts one silently', async () => {
    const offsets = offsetsToTry(token);
    const status = statusValueOffset(token);
    expect(offsets.length).toBeGreaterThan(300);
    const silent: number[] = [];
    const flagged: number[] = [];
    for (const at of offsets) {
      const flipped = flip(token, at);
      if (await oursAcceptsSilently(flipped)) silent.push(at);
      else if (await oursAccepts(flipped)) flagged.push(at);
    }
    expect(silent).toEqual([]);
    // What may pass with a warning: the unsigned PKIStatus (0 granted → 1 grantedWithMods, both
    // "here is a token"; openssl accepts it too), and flips inside one of the two embedded copies of
    // the TSA certificate that turn it into a certificate off the signer's path with an issuer we do
    // not have (the intact copy then signs): such a certificate is trusted for nothing, and failing
    // tokens over unknown extra certificates would reject genuine tokens from public authorities
    // that carry cross-certificates. Flips that break the signer's own path are refused (tested below).
    expect(flagged).toContain(status);
    const sd = new SignedData({ schema: ContentInfo.fromBER(TimeStampResp.fromBER(token.slice().buffer).timeStampToken!.toSchema().toBER()).content });
    const ranges = (sd.certificates as Certificate[]).map((c) => {
      const der = new Uint8Array(c.toSchema().toBER());
      return [0, 1].map((k) => (k ? Buffer.from(token).lastIndexOf(Buffer.from(der)) : Buffer.from(token).indexOf(Buffer.from(der)))).map((start) => [start, start + der.length] as const);
    }).flat();
    expect(ranges.every(([start]) => start > 0)).toBe(true);
    for (const at of flagged) if (at !== status) expect(ranges.some(([a, b]) => at >= a && at < b), `offset ${at}`).toBe(true);
    const r = await verifyTimestampToken(flip(token, status), data, { roots: [tsa.rootPem] });
    expect(r.checks.find((c) => c.id === 'tsr-status')).toMatchObject({ ok: true, warning: true });
    expect(await opensslAccepts(flip(token, status))).toBe(true);
  }, 120_000);

  it('is never looser than openssl ts -verify on a sample of flips, including the reported offsets', async () => {
    const offsets = offsetsToTry(token);
    const sample = [...new Set([...FINDING.filter((o) => o < token.length), ...offsets.filter((_, i) => i % 12 === 0)])];
    let opensslRejected = 0;
    const looser: number[] = [];
    for (const at of sample) {
      const flipped = flip(token, at);
      if (await opensslAccepts(flipped)) continue;
      opensslRejected++;
      if (await oursAccepts(flipped)) looser.push(at);
    }
    expect(looser).toEqual([]);
    expect(opensslRejected).toBeGreaterThan(sample.length / 3);
  }, 120_000);

  it("checks the signer certificate's own signature even when an intact copy of it follows in the token", async () => {
    // The cause of the finding: pkijs's chain engine merges certificates with equal TBS bytes and
    // validated the intact second copy, while the altered first copy was the one used as signer.
    const sd = new SignedData({ schema: ContentInfo.fromBER(TimeStampResp.fromBER(token.slice().buffer).timeStampToken!.toSchema().toBER()).content });
    const first = (sd.certificates![0] as Certificate).signatureValue.valueBlock.valueHexView;
    const at = Buffer.from(token).indexOf(Buffer.from(first)) + (first.length >> 1);
    expect(at).toBeGreaterThan(0);
    const flipped = flip(token, at);
    const r = await verifyTimestampToken(flipped, data, { roots: [tsa.rootPem] });
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.id === 'tsr-chain')).toMatchObject({ ok: false });
    expect(r.checks.find((c) => c.id === 'tsr-chain')!.message).toMatch(/ambiguous|does not chain to a trusted root|does not verify/);
    expect(await opensslAccepts(flipped)).toBe(false);
  });

  it('refuses a token with trailing bytes or a non-minimal length, which a lenient parser would read as the same token', async () => {
    const trailing = new Uint8Array([...token, 0x00]);
    const r1 = await verifyTimestampToken(trailing, data, { roots: [tsa.rootPem] });
    expect(r1.checks).toEqual([expect.objectContaining({ id: 'tsr-parse', ok: false })]);
    expect(r1.checks[0]!.message).toMatch(/after the end/);
    // The outer SEQUENCE length 0x82 LL LL rewritten as 0x83 00 LL LL: same value, not DER.
    expect(token[1]).toBe(0x82);
    const padded = new Uint8Array([token[0]!, 0x83, 0x00, ...token.subarray(2)]);
    const r2 = await verifyTimestampToken(padded, data, { roots: [tsa.rootPem] });
    expect(r2.ok).toBe(false);
    expect(r2.checks[0]!.message).toMatch(/not in canonical DER form/);
  });

  it.runIf(process.env.JZ_TAMPER_FULL === '1')('full sweep: every byte offset', async () => {
    const status = statusValueOffset(token);
    const accepted: number[] = [];
    for (let at = 0; at < token.length; at++) if (await oursAccepts(flip(token, at))) accepted.push(at);
    expect(accepted).toEqual([status]);
  }, 900_000);
});
