/**
 * Shared parsing of RFC 3161 structures with pkijs/asn1js (no hand-written DER anywhere in this
 * folder). Used by the client (to accept a response) and the verifier (to check a stored one).
 */
import * as asn1js from 'asn1js';
import { Certificate, ContentInfo, SignedData, TSTInfo, TimeStampResp } from 'pkijs';

export const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
export const OID_DATA = '1.2.840.113549.1.7.1';
export const OID_EXT_KEY_USAGE = '2.5.29.37';
export const OID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';

/** Digest algorithms a token's message imprint may use, by OID, with their WebCrypto names. */
export const IMPRINT_ALGORITHMS: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  [OID_SHA256]: 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

export const PKI_STATUS_TEXT: Record<number, string> = {
  0: 'granted',
  1: 'grantedWithMods',
  2: 'rejection',
  3: 'waiting',
  4: 'revocationWarning',
  5: 'revocationNotification',
};

export interface ParsedResponse {
  resp: TimeStampResp;
  status: number;
  statusText: string;
  /** Free text and failure info the TSA sent with a refusal, if any. */
  statusDetail: string;
  signedData: SignedData | null;
  tstInfo: TSTInfo | null;
  /** DER of the token's ContentInfo (what `openssl ts -token_in` would read). */
  tokenDer: Uint8Array | null;
}

/** A copy with its own buffer: pkijs and WebCrypto want whole ArrayBuffers, not views into larger ones. */
export function ab(bytes: Uint8Array): ArrayBuffer {
  // new Uint8Array(view) copies; a Node Buffer's slice() would return a view sharing the whole pool.
  return new Uint8Array(bytes).buffer as ArrayBuffer;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Parses a DER TimeStampResp; throws an Error with a readable message when it is not one. */
export function parseTimeStampResp(der: Uint8Array): ParsedResponse {
  let resp: TimeStampResp;
  try {
    resp = TimeStampResp.fromBER(ab(der));
  } catch (e) {
    throw new Error(`not an RFC 3161 TimeStampResp (${e instanceof Error ? e.message : String(e)})`);
  }
  const status = resp.status.status;
  const strings = (resp.status.statusStrings ?? []).map((s) => s.valueBlock.value).filter(Boolean);
  const fail = resp.status.failInfo ? `failInfo bits ${toHexString(resp.status.failInfo.valueBlock.valueHexView)}` : '';
  const statusDetail = [...strings, fail].filter(Boolean).join('; ');
  let signedData: SignedData | null = null;
  let tstInfo: TSTInfo | null = null;
  let tokenDer: Uint8Array | null = null;
  if (resp.timeStampToken) {
    const ci: ContentInfo = resp.timeStampToken;
    if (ci.contentType !== OID_SIGNED_DATA) throw new Error(`token is not CMS SignedData (content type ${ci.contentType})`);
    tokenDer = new Uint8Array(ci.toSchema().toBER());
    signedData = new SignedData({ schema: ci.content });
    if (signedData.encapContentInfo.eContentType !== OID_TST_INFO) {
      throw new Error(`token does not contain a TSTInfo (content type ${signedData.encapContentInfo.eContentType})`);
    }
    const econtent = signedData.encapContentInfo.eContent;
    if (!econtent) throw new Error('token has no TSTInfo content');
    tstInfo = TSTInfo.fromBER(econtent.getValue());
  }
  return { resp, status, statusText: PKI_STATUS_TEXT[status] ?? `status ${status}`, statusDetail, signedData, tstInfo, tokenDer };
}

export function toHexString(bytes: Uint8Array | ArrayBuffer): string {
  const v = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Decimal text of a (non-negative) ASN.1 INTEGER, e.g. a nonce. */
export function integerText(i: asn1js.Integer): string {
  return i.toBigInt().toString();
}

export function certificatesOf(sd: SignedData): Certificate[] {
  return (sd.certificates ?? []).filter((c): c is Certificate => c instanceof Certificate);
}

export function certToPem(cert: Certificate): string {
  const der = new Uint8Array(cert.toSchema(true).toBER());
  let bin = '';
  for (const b of der) bin += String.fromCharCode(b);
  const b64 = btoa(bin).replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** All certificates in a PEM text (one file may hold several). */
export function pemToCerts(pem: string): Certificate[] {
  const out: Certificate[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    const bin = atob(m[1]!.replace(/\s+/g, ''));
    const der = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
    out.push(Certificate.fromBER(der.buffer));
  }
  return out;
}

const NAME_OIDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
};

/** A readable distinguished name, e.g. "CN=DigiCert Timestamp 2023, O=DigiCert, Inc., C=US". */
export function nameText(rdn: { typesAndValues: { type: string; value: { valueBlock: { value?: unknown } } }[] }): string {
  return rdn.typesAndValues
    .map((tv) => `${NAME_OIDS[tv.type] ?? tv.type}=${String(tv.value.valueBlock.value ?? '')}`)
    .reverse()
    .join(', ');
}
