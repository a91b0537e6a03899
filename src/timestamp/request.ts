import * as asn1js from 'asn1js';
import { AlgorithmIdentifier, MessageImprint, TimeStampReq } from 'pkijs';
import { OID_SHA256, ab } from './asn';

export interface BuiltRequest {
  /** DER of the TimeStampReq, the body of the HTTP POST. */
  der: Uint8Array;
  /** The random nonce, as decimal text (JSON-safe; the TSA must echo it). */
  nonce: string;
  /** SHA-256 of the data: the only thing about the data that leaves the machine. */
  imprint: Uint8Array;
}

/** A random positive 63-bit nonce: unpredictable, so an old or replayed response cannot pass as fresh. */
export function randomNonce(): bigint {
  const b = crypto.getRandomValues(new Uint8Array(8));
  b[0]! &= 0x7f;
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n === 0n ? 1n : n;
}

/**
 * An RFC 3161 TimeStampReq over SHA-256(data), with a nonce and certReq = true so the TSA puts its
 * certificate in the token (a verifier then needs only a trusted root).
 */
export async function buildTimeStampReq(data: Uint8Array, nonce: bigint = randomNonce()): Promise<BuiltRequest> {
  const imprint = new Uint8Array(await crypto.subtle.digest('SHA-256', ab(data)));
  const req = new TimeStampReq({
    version: 1,
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithmId: OID_SHA256, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: ab(imprint) }),
    }),
    nonce: asn1js.Integer.fromBigInt(nonce),
    certReq: true,
  });
  return { der: new Uint8Array(req.toSchema().toBER()), nonce: nonce.toString(), imprint };
}
