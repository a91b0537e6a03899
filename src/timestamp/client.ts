import { IMPRINT_ALGORITHMS, equalBytes, integerText, parseTimeStampResp, toHexString } from './asn';
import { buildTimeStampReq } from './request';
import { verifyTokenSignature } from './verify';

export interface TokenResult {
  /** DER of the whole TimeStampResp, kept as received. */
  response: Uint8Array;
  /** genTime of the token, ISO 8601 UTC. */
  genTime: string;
  /** Serial number of the token, lower-case hex. */
  serial: string;
  tsaUrl: string;
  /** The nonce we sent and the TSA echoed, decimal text. */
  nonce: string;
}

/** A dead authority must not delay a capture: each request gives up after this long. */
export const DEFAULT_TSA_TIMEOUT_MS = 4000;

export class TsaError extends Error {
  constructor(
    readonly tsaUrl: string,
    readonly reason: 'timeout' | 'network' | 'http' | 'rejected' | 'malformed' | 'mismatch',
    message: string,
  ) {
    super(`${tsaUrl}: ${message}`);
    this.name = 'TsaError';
  }
}

/**
 * Asks one TSA for a token over `data`. Only SHA-256(data) and a random nonce are sent. The answer is
 * accepted only when its status is granted (or grantedWithMods) and it carries our nonce and our
 * imprint; anything else is a TsaError saying what was wrong. Bounded by `timeoutMs` even when the
 * fetch implementation ignores the abort signal.
 */
export async function requestToken(
  tsaUrl: string,
  data: Uint8Array,
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<TokenResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TSA_TIMEOUT_MS;
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  let url: URL;
  try {
    url = new URL(tsaUrl);
  } catch {
    throw new TsaError(tsaUrl, 'network', 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TsaError(tsaUrl, 'network', 'only http and https authorities are supported');
  const req = await buildTimeStampReq(data);

  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TsaError(tsaUrl, 'timeout', `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  let body: Uint8Array;
  try {
    const exchange = (async () => {
      let res: Response;
      try {
        res = await doFetch(tsaUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/timestamp-query' },
          body: req.der as BufferSource,
          signal: controller.signal,
          credentials: 'omit',
          cache: 'no-store',
          redirect: 'follow',
        });
      } catch (e) {
        if (controller.signal.aborted) throw new TsaError(tsaUrl, 'timeout', `no answer within ${timeoutMs} ms`);
        throw new TsaError(tsaUrl, 'network', `unreachable (${e instanceof Error ? e.message : String(e)})`);
      }
      if (!res.ok) throw new TsaError(tsaUrl, 'http', `HTTP ${res.status} ${res.statusText}`.trim());
      return new Uint8Array(await res.arrayBuffer());
    })();
    exchange.catch(() => undefined); // the timeout may win; don't leave this rejection unhandled
    body = await Promise.race([exchange, timeout]);
  } finally {
    clearTimeout(timer);
  }

  let parsed;
  try {
    parsed = parseTimeStampResp(body);
  } catch (e) {
    throw new TsaError(tsaUrl, 'malformed', e instanceof Error ? e.message : String(e));
  }
  if (parsed.status !== 0 && parsed.status !== 1) {
    throw new TsaError(tsaUrl, 'rejected', `request refused: ${parsed.statusText}${parsed.statusDetail ? ` (${parsed.statusDetail})` : ''}`);
  }
  const tst = parsed.tstInfo;
  if (!tst) throw new TsaError(tsaUrl, 'malformed', `status ${parsed.statusText} but no token in the response`);
  if (!tst.nonce) throw new TsaError(tsaUrl, 'mismatch', 'the token carries no nonce (ours was not echoed)');
  const nonce = integerText(tst.nonce);
  if (nonce !== req.nonce) throw new TsaError(tsaUrl, 'mismatch', `nonce mismatch: sent ${req.nonce}, token has ${nonce}`);
  const alg = IMPRINT_ALGORITHMS[tst.messageImprint.hashAlgorithm.algorithmId];
  const hashed = tst.messageImprint.hashedMessage.valueBlock.valueHexView;
  if (alg !== 'SHA-256' || !equalBytes(hashed, req.imprint)) {
    throw new TsaError(tsaUrl, 'mismatch', 'the token is over another message imprint than the one sent');
  }
  // Don't store something that can never verify (a broken or misconfigured authority).
  const sig = await verifyTokenSignature(parsed.tokenDer!);
  if (!sig.ok) throw new TsaError(tsaUrl, 'malformed', sig.message);
  return { response: body, genTime: tst.genTime.toISOString(), serial: toHexString(tst.serialNumber.valueBlock.valueHexView), tsaUrl, nonce };
}
