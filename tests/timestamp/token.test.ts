import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTimeStampReq } from '../../src/timestamp/request';
import { requestToken, TsaError } from '../../src/timestamp/client';
import { extractTsaChainPems, verifyTimestampToken } from '../../src/timestamp/verify';
import { makeTestPki, startLocalTsa, type LocalTsa, type TestPki } from './local-tsa';
import { TimeStampReq } from 'pkijs';

const run = promisify(execFile);
const enc = new TextEncoder();

/** `openssl ts -verify` exit status and output: the stock tool a recipient would use. */
async function opensslVerify(dir: string, data: Uint8Array, tsr: Uint8Array, caFile: string): Promise<{ ok: boolean; out: string }> {
  await writeFile(join(dir, 'file'), data);
  await writeFile(join(dir, 'file.tsr'), tsr);
  try {
    const r = await run('openssl', ['ts', '-verify', '-data', join(dir, 'file'), '-in', join(dir, 'file.tsr'), '-CAfile', caFile]);
    return { ok: true, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
}

function check(r: Awaited<ReturnType<typeof verifyTimestampToken>>, id: string) {
  return r.checks.find((c) => c.id === id);
}

describe('RFC 3161 tokens from a real local TSA', () => {
  let tsa: LocalTsa;
  let other: TestPki;
  let dir: string;
  const record = enc.encode('{"format":"jianzheng-capture-record","id":"c1","url":"https://www.henan.gov.cn/红码"}');

  beforeAll(async () => {
    tsa = await startLocalTsa();
    other = await makeTestPki({ name: 'Untrusted' });
    dir = await mkdtemp(join(tmpdir(), 'jz-tsv-'));
  });
  afterAll(async () => {
    await tsa.close();
    await rm(other.dir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('builds a request with a SHA-256 imprint, a nonce and certReq', async () => {
    const req = await buildTimeStampReq(record);
    const parsed = TimeStampReq.fromBER(req.der.slice().buffer);
    expect(parsed.certReq).toBe(true);
    expect(parsed.messageImprint.hashAlgorithm.algorithmId).toBe('2.16.840.1.101.3.4.2.1');
    expect(parsed.nonce!.toBigInt().toString()).toBe(req.nonce);
    expect(Buffer.from(parsed.messageImprint.hashedMessage.valueBlock.valueHexView).toString('hex')).toBe(
      (await import('node:crypto')).createHash('sha256').update(record).digest('hex'),
    );
    // Two requests never share a nonce.
    expect((await buildTimeStampReq(record)).nonce).not.toBe(req.nonce);
  });

  it('gets a token that our verifier and openssl ts -verify both accept', async () => {
    const before = Date.now();
    const tok = await requestToken(tsa.url, record);
    expect(tok.tsaUrl).toBe(tsa.url);
    expect(Math.abs(Date.parse(tok.genTime) - before)).toBeLessThan(5000);
    const r = await verifyTimestampToken(tok.response, record, { roots: [tsa.rootPem], nonce: tok.nonce, referenceTime: new Date(before).toISOString() });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => c.id)).toEqual(['tsr-imprint', 'tsr-signature', 'tsr-nonce', 'tsr-chain', 'tsr-eku', 'tsr-clock']);
    expect(r.tsaName).toContain('Jianzheng Test TSA');
    expect(r.genTime).toBe(tok.genTime);
    expect(check(r, 'tsr-clock')!.warning).toBeUndefined();
    const o = await opensslVerify(dir, record, tok.response, tsa.rootPath);
    expect(o.out).toContain('Verification: OK');
    expect(o.ok).toBe(true);
  });

  it('works with an ECDSA TSA too', async () => {
    const ec = await startLocalTsa({ keyAlg: 'ec', name: 'EC Test' });
    try {
      const tok = await requestToken(ec.url, record);
      const r = await verifyTimestampToken(tok.response, record, { roots: [ec.rootPem] });
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
      expect((await opensslVerify(dir, record, tok.response, ec.rootPath)).ok).toBe(true);
    } finally {
      await ec.close();
    }
  });

  it('rejects a wrong file: the imprint check names both hashes, openssl agrees', async () => {
    const tok = await requestToken(tsa.url, record);
    const altered = enc.encode(new TextDecoder().decode(record).replace('红码', '绿码'));
    const r = await verifyTimestampToken(tok.response, altered, { roots: [tsa.rootPem] });
    expect(r.ok).toBe(false);
    expect(check(r, 'tsr-imprint')).toMatchObject({ ok: false });
    expect(check(r, 'tsr-imprint')!.message).toMatch(/token is over other data: its SHA-256 imprint is [0-9a-f]{64}, the file's SHA-256 is [0-9a-f]{64}/);
    // The token itself is still genuine: only the imprint fails.
    expect(check(r, 'tsr-signature')!.ok).toBe(true);
    expect(check(r, 'tsr-chain')!.ok).toBe(true);
    const o = await opensslVerify(dir, altered, tok.response, tsa.rootPath);
    expect(o.ok).toBe(false);
    expect(o.out).toMatch(/message imprint mismatch/i);
  });

  it('rejects the token of another file', async () => {
    const otherFile = enc.encode('manifest of another bundle');
    const tokOther = await requestToken(tsa.url, otherFile);
    const r = await verifyTimestampToken(tokOther.response, record, { roots: [tsa.rootPem] });
    expect(r.ok).toBe(false);
    expect(r.checks.filter((c) => !c.ok).map((c) => c.id)).toEqual(['tsr-imprint']);
    expect((await opensslVerify(dir, record, tokOther.response, tsa.rootPath)).ok).toBe(false);
  });

  it('rejects an untrusted root, naming the TSA certificate and its issuer', async () => {
    const tok = await requestToken(tsa.url, record);
    const r = await verifyTimestampToken(tok.response, record, { roots: [other.rootPem] });
    expect(r.ok).toBe(false);
    expect(r.checks.filter((c) => !c.ok).map((c) => c.id)).toEqual(['tsr-chain']);
    expect(check(r, 'tsr-chain')!.message).toContain('CN=Jianzheng Test TSA, O=Jianzheng Test, issued by CN=Jianzheng Test Root CA');
    expect(check(r, 'tsr-chain')!.message).toContain('does not chain to a trusted root');
    const o = await opensslVerify(dir, record, tok.response, other.rootPath);
    expect(o.ok).toBe(false);
    expect(o.out).toMatch(/unable to get local issuer certificate|certificate verify error/i);
  });

  it('rejects a nonce mismatch', async () => {
    const tok = await requestToken(tsa.url, record);
    const r = await verifyTimestampToken(tok.response, record, { roots: [tsa.rootPem], nonce: '12345' });
    expect(r.ok).toBe(false);
    expect(check(r, 'tsr-nonce')!.message).toBe(`nonce mismatch: the request had 12345, the token has ${tok.nonce}`);
  });

  it('warns, without failing, when the token time is far from the capture clock', async () => {
    const tok = await requestToken(tsa.url, record);
    const capturedAt = new Date(Date.parse(tok.genTime) - 3 * 3600_000).toISOString();
    const r = await verifyTimestampToken(tok.response, record, { roots: [tsa.rootPem], referenceTime: capturedAt });
    expect(r.ok).toBe(true);
    expect(check(r, 'tsr-clock')).toMatchObject({ ok: true, warning: true });
    expect(check(r, 'tsr-clock')!.message).toContain('3.0 h after');
    const tight = await verifyTimestampToken(tok.response, record, { roots: [tsa.rootPem], referenceTime: capturedAt, maxSkewMs: 4 * 3600_000 });
    expect(check(tight, 'tsr-clock')!.warning).toBeUndefined();
  });

  it('detects a token whose signed content was altered', async () => {
    const tok = await requestToken(tsa.url, record);
    // Flip one byte of the genTime digits inside the TSTInfo: the signature must no longer hold.
    const der = tok.response.slice();
    const text = Buffer.from(der).toString('latin1');
    const at = text.search(/20\d\d\d\d\d\d\d\d\d\d\d\dZ/);
    expect(at).toBeGreaterThan(0);
    der[at + 3] = der[at + 3] === 0x30 ? 0x31 : 0x30;
    const r = await verifyTimestampToken(der, record, { roots: [tsa.rootPem] });
    expect(r.ok).toBe(false);
    expect(check(r, 'tsr-signature')!.ok).toBe(false);
  });

  it('extracts the TSA certificate chain, signer first', async () => {
    const tok = await requestToken(tsa.url, record);
    const pems = await extractTsaChainPems(tok.response);
    expect(pems.length).toBeGreaterThanOrEqual(1);
    expect(pems[0]!.replace(/\s+/g, '')).toBe(tsa.tsaCertPem.replace(/\s+/g, ''));
  });

  it('reports a refusal, an HTTP error and a non-TSA answer clearly', async () => {
    tsa.mode = 'reject';
    await expect(requestToken(tsa.url, record)).rejects.toThrow(/request refused: rejection \(test: refused\)/);
    tsa.mode = 'http-500';
    await expect(requestToken(tsa.url, record)).rejects.toThrow(`${tsa.url}: HTTP 500`);
    tsa.mode = 'ok';
    const html = async () => new Response('<html>captive portal</html>', { status: 200 });
    await expect(requestToken(tsa.url, record, { fetch: html as typeof fetch })).rejects.toThrow(/not an RFC 3161 TimeStampResp/);
  });

  it('refuses a response that echoes another nonce (a replayed answer)', async () => {
    const old = await requestToken(tsa.url, record);
    const replay = async () => new Response(old.response as BufferSource, { status: 200 });
    const err = await requestToken(tsa.url, record, { fetch: replay as typeof fetch }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsaError);
    expect((err as TsaError).reason).toBe('mismatch');
    expect((err as TsaError).message).toMatch(/nonce mismatch: sent \d+, token has \d+/);
  });

  it('refuses a token whose signature does not verify, even with the right nonce and imprint', async () => {
    // Forward to the real TSA, then flip the last byte of the answer: the end of the RSA signature.
    const flip = (async (url: string, init?: RequestInit) => {
      const res = await fetch(url, init);
      const der = new Uint8Array(await res.arrayBuffer());
      der[der.length - 1] = der[der.length - 1]! ^ 0xff;
      return new Response(der as BufferSource, { status: 200 });
    }) as typeof fetch;
    await expect(requestToken(tsa.url, record, { fetch: flip })).rejects.toThrow(/token signature does not verify/);
  });

  it('gives up on an authority that never answers after timeoutMs, and aborts the request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let signal: AbortSignal | undefined;
      let called!: () => void;
      const fetched = new Promise<void>((res) => (called = res));
      const never = (_u: unknown, init?: RequestInit) => {
        signal = init?.signal ?? undefined;
        called();
        return new Promise<Response>(() => {}); // ignores the signal on purpose
      };
      const p = requestToken('http://192.0.2.1/tsr', record, { timeoutMs: 1500, fetch: never as typeof fetch });
      await fetched; // the request is out (hashing the data happens first, on real time)
      const settled = vi.fn();
      p.then(settled, settled);
      await vi.advanceTimersByTimeAsync(1499);
      expect(settled).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      await expect(p).rejects.toThrow('http://192.0.2.1/tsr: no answer within 1500 ms');
      expect(signal?.aborted).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('times out on a real authority that accepts the connection and never answers', async () => {
    tsa.mode = 'hang';
    try {
      await expect(requestToken(tsa.url, record, { timeoutMs: 300 })).rejects.toMatchObject({ reason: 'timeout' });
    } finally {
      tsa.mode = 'ok';
    }
  });

  it('reports a closed port as unreachable', async () => {
    const down = await startLocalTsa();
    const url = down.url;
    await down.close();
    await expect(requestToken(url, record)).rejects.toMatchObject({ reason: 'network' });
  });
});
