/**
 * Checks an RFC 3161 token against a file, offline: one named check per property so that a report
 * says exactly what is wrong. Web APIs only (runs in the extension and in Node).
 */
import * as asn1js from 'asn1js';
import {
  AlgorithmIdentifier,
  Certificate,
  CertificateChainValidationEngine,
  ContentInfo,
  GeneralNames,
  IssuerAndSerialNumber,
  type ExtKeyUsage,
  type GeneralName,
  SignedData, SignedDataVerifyError, TSTInfo } from 'pkijs';
import {
  IMPRINT_ALGORITHMS,
  OID_DATA,
  OID_EXT_KEY_USAGE,
  OID_KP_TIME_STAMPING,
  OID_TST_INFO,
  ab,
  certToPem,
  certificatesOf,
  equalBytes,
  integerText,
  nameText,
  parseTimeStampResp,
  pemToCerts,
  toHexString,
} from './asn';
import { derProblem } from './der';

export interface TimestampCheck {
  id: string;
  ok: boolean;
  /** Passed, but a person should look (e.g. a large gap between the token's time and the capture's clock). */
  warning?: boolean;
  message: string;
}

export interface TimestampVerification {
  ok: boolean;
  genTime: string | null;
  tsaName: string | null;
  checks: TimestampCheck[];
}

export interface VerifyTokenOptions {
  /** Trusted root certificates, PEM (the shipped roots, plus any the user adds). */
  roots: string[];
  /** The nonce sent with the request, decimal text, when the verifier knows it. */
  nonce?: string;
  /** The capture's own clock (e.g. capturedAt), ISO 8601; compared with the token's time. */
  referenceTime?: string;
  /** Gap between genTime and referenceTime above which a warning is given. Default 10 minutes. */
  maxSkewMs?: number;
}

export const DEFAULT_MAX_SKEW_MS = 10 * 60 * 1000;

function short(hex: string): string {
  return hex.length > 16 ? `${hex.slice(0, 16)}…` : hex;
}

function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

/** DER of a certificate as it appears in the token (pkijs keeps the original TBS bytes). */
function certDer(c: Certificate): Uint8Array {
  return new Uint8Array(c.toSchema().toBER(false));
}

/** Every certificate in the token that matches the signer identifier (issuer+serial or subject key identifier). */
async function signerCandidates(sd: SignedData): Promise<Certificate[]> {
  try {
    const sid = sd.signerInfos[0]?.sid;
    if (!sid) return [];
    const certs = certificatesOf(sd);
    if (sid instanceof IssuerAndSerialNumber) {
      return certs.filter((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber));
    }
    // [0] SubjectKeyIdentifier: SHA-1 of the subject public key (RFC 5280 §4.2.1.2 method 1).
    const block = sid as { idBlock: { isConstructed: boolean }; valueBlock: { value: { valueBlock: { valueHexView: Uint8Array } }[]; valueHexView: Uint8Array } };
    const keyId = block.idBlock.isConstructed ? block.valueBlock.value[0]!.valueBlock.valueHexView : block.valueBlock.valueHexView;
    const out: Certificate[] = [];
    for (const c of certs) {
      const d = new Uint8Array(await crypto.subtle.digest('SHA-1', ab(c.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)));
      if (equalBytes(d, new Uint8Array(keyId))) out.push(c);
    }
    return out;
  } catch {
    return []; // the signature check reports it
  }
}

/**
 * The certificate that signed the token. Null when there is none, or when two different
 * certificates match the signer identifier: then which one "signed" depends on the reader, and a
 * verifier could check the signature with one and the chain with the other.
 */
async function signerCertOf(sd: SignedData): Promise<Certificate | null> {
  const found = await signerCandidates(sd);
  if (found.length === 0) return null;
  const first = certDer(found[0]!);
  return found.every((c) => equalBytes(certDer(c), first)) ? found[0]! : null;
}

function tsaNameOf(tst: TSTInfo, signer: Certificate | null): string | null {
  if (signer) return nameText(signer.subject);
  const g: GeneralName | undefined = tst.tsa;
  if (g && g.type === 4) return nameText(g.value);
  return null;
}

function hasTimeStampingEku(cert: Certificate): { present: boolean; critical: boolean } {
  const ext = cert.extensions?.find((e) => e.extnID === OID_EXT_KEY_USAGE);
  if (!ext) return { present: false, critical: false };
  const parsed = ext.parsedValue as ExtKeyUsage | undefined;
  const ids = parsed?.keyPurposes ?? [];
  return { present: ids.includes(OID_KP_TIME_STAMPING), critical: ext.critical };
}

/**
 * Verifies a TimeStampResp (as stored in a `.tsr` file) against the bytes of the file it stamps.
 * ok is true when every check passed; warnings do not make it false.
 */
export async function verifyTimestampToken(
  responseDer: Uint8Array,
  data: Uint8Array,
  opts: VerifyTokenOptions,
): Promise<TimestampVerification> {
  const checks: TimestampCheck[] = [];
  const done = (genTime: string | null, tsaName: string | null): TimestampVerification => ({
    ok: checks.every((c) => c.ok),
    genTime,
    tsaName,
    checks,
  });

  // 0. Exactly one canonical encoding, every byte read: the .tsr is outside the bundle's signed
  //    file map, so bytes a lenient parser skips or normalises would be unprotected.
  const der = derProblem(responseDer);
  if (der) {
    checks.push({ id: 'tsr-parse', ok: false, message: `the token is not in canonical DER form (${der})` });
    return done(null, null);
  }
  let parsed;
  try {
    parsed = parseTimeStampResp(responseDer);
  } catch (e) {
    checks.push({ id: 'tsr-parse', ok: false, message: `cannot read the token: ${e instanceof Error ? e.message : String(e)}` });
    return done(null, null);
  }
  const unread = unreadParts(responseDer, parsed.resp, parsed.signedData);
  if (unread) {
    checks.push({ id: 'tsr-parse', ok: false, message: `the token holds data this verifier does not read (${unread})` });
    return done(null, null);
  }
  if (parsed.status !== 0 && parsed.status !== 1) {
    checks.push({ id: 'tsr-status', ok: false, message: `the authority refused the request (${parsed.statusText})` });
    return done(null, null);
  }
  if (parsed.status === 1) {
    // PKIStatusInfo sits outside the signed token, so this value is not the TSA's signed word.
    checks.push({
      id: 'tsr-status',
      ok: true,
      warning: true,
      message: 'the response says the request was granted with modifications (grantedWithMods); this status is not covered by the signature',
    });
  }
  const tst = parsed.tstInfo;
  const sd = parsed.signedData;
  if (!tst || !sd || !parsed.tokenDer) {
    checks.push({ id: 'tsr-parse', ok: false, message: 'the response holds no time-stamp token' });
    return done(null, null);
  }
  const genDate = tst.genTime;
  const genTime = genDate.toISOString();
  const signer = await signerCertOf(sd);
  const tsaName = tsaNameOf(tst, signer);

  // 1. Message imprint: the token is over exactly these bytes.
  const algOid = tst.messageImprint.hashAlgorithm.algorithmId;
  const alg = IMPRINT_ALGORITHMS[algOid];
  if (!alg) {
    checks.push({ id: 'tsr-imprint', ok: false, message: `unsupported imprint hash algorithm ${algOid}` });
  } else {
    const digest = new Uint8Array(await crypto.subtle.digest(alg, ab(data)));
    const inToken = new Uint8Array(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
    if (equalBytes(digest, inToken)) {
      checks.push({ id: 'tsr-imprint', ok: true, message: `the token is over this file (${alg} ${short(toHexString(digest))})` });
    } else {
      checks.push({
        id: 'tsr-imprint',
        ok: false,
        message: `the token is over other data: its ${alg} imprint is ${toHexString(inToken)}, the file's ${alg} is ${toHexString(digest)}`,
      });
    }
  }

  // 2. Signature by the TSA over the TSTInfo. Checked on its own (as plain signed data) so that a
  //    wrong file shows as an imprint failure, not as a broken signature.
  const sig = await verifyTokenSignature(parsed.tokenDer);
  checks.push(
    sig.ok
      ? { id: 'tsr-signature', ok: true, message: `signed by ${tsaName ?? 'the time-stamping authority'}` }
      : { id: 'tsr-signature', ok: false, message: sig.message },
  );

  // 3. Nonce, when the verifier knows the one that was sent.
  if (opts.nonce !== undefined) {
    const n = tst.nonce ? integerText(tst.nonce) : null;
    checks.push(
      n === opts.nonce
        ? { id: 'tsr-nonce', ok: true, message: `nonce ${n} matches the request` }
        : { id: 'tsr-nonce', ok: false, message: `nonce mismatch: the request had ${opts.nonce}, the token has ${n ?? 'none'}` },
    );
  }

  // 4. Chain from the TSA certificate to a trusted root, valid at the token's time, and every
  //    other certificate in the token intact.
  if (!signer) {
    const n = (await signerCandidates(sd)).length;
    checks.push({
      id: 'tsr-chain',
      ok: false,
      message: n > 1
        ? `the token holds ${n} different certificates that match its signer: which one signed is ambiguous`
        : 'the token does not include the TSA certificate',
    });
  } else {
    let roots: Certificate[] = [];
    try {
      roots = opts.roots.flatMap(pemToCerts);
    } catch (e) {
      checks.push({ id: 'tsr-chain', ok: false, message: `a trusted root could not be read: ${e instanceof Error ? e.message : String(e)}` });
    }
    if (roots.length === 0) {
      if (!checks.some((c) => c.id === 'tsr-chain')) checks.push({ id: 'tsr-chain', ok: false, message: 'no trusted root certificates were given' });
    } else {
      const r = await checkChain(signer, certificatesOf(sd), roots, genDate);
      checks.push({ id: 'tsr-chain', ok: r.ok, message: r.message, ...(r.warning ? { warning: true } : {}) });
    }
  }

  // 5. The certificate is for time-stamping only (RFC 3161 §2.3: critical extendedKeyUsage timeStamping).
  if (signer) {
    const eku = hasTimeStampingEku(signer);
    checks.push(
      eku.present && eku.critical
        ? { id: 'tsr-eku', ok: true, message: 'the TSA certificate is for time-stamping (critical extendedKeyUsage timeStamping)' }
        : {
            id: 'tsr-eku',
            ok: false,
            message: eku.present
              ? 'the TSA certificate marks timeStamping in a non-critical extendedKeyUsage (RFC 3161 requires it critical)'
              : 'the TSA certificate is not for time-stamping (no extendedKeyUsage timeStamping)',
          },
    );
  }

  // 6. Clock gap: the token proves existence at genTime; a large gap to the capture's own clock is
  //    worth a look (a wrong local clock, or a capture stamped late after being queued offline).
  if (opts.referenceTime) {
    const ref = Date.parse(opts.referenceTime);
    const max = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
    if (Number.isNaN(ref)) {
      checks.push({ id: 'tsr-clock', ok: true, warning: true, message: `the capture's own time (${opts.referenceTime}) cannot be read` });
    } else {
      const gap = genDate.getTime() - ref;
      const rel = gap >= 0 ? 'after' : 'before';
      const text = `token time ${genTime} is ${duration(gap)} ${rel} the capture's own clock (${opts.referenceTime})`;
      checks.push(
        Math.abs(gap) > max
          ? {
              id: 'tsr-clock',
              ok: true,
              warning: true,
              message: `${text}, more than ${duration(max)}: ${gap >= 0 ? 'existence is proven only from the token time' : "the capturing machine's clock was ahead"}`,
            }
          : { id: 'tsr-clock', ok: true, message: text },
      );
    }
  }
  return done(genTime, tsaName);
}

/**
 * Why the parsed response does not account for every byte of `responseDer`, or null: pkijs must
 * re-encode it to the same bytes (so no element was skipped), and the TSTInfo inside must be
 * canonical DER that pkijs also re-encodes exactly.
 */
function unreadParts(responseDer: Uint8Array, resp: { toSchema(): asn1js.BaseBlock }, sd: SignedData | null): string | null {
  try {
    if (!equalBytes(new Uint8Array(resp.toSchema().toBER(false)), responseDer)) return 'the response does not re-encode to the same bytes';
    const econtent = sd?.encapContentInfo.eContent;
    if (econtent) {
      const tstDer = new Uint8Array(econtent.getValue());
      const p = derProblem(tstDer);
      if (p) return `TSTInfo: ${p}`;
      const tst = TSTInfo.fromBER(ab(tstDer));
      if (!equalBytes(new Uint8Array(tst.toSchema().toBER(false)), tstDer)) return 'the TSTInfo does not re-encode to the same bytes';
    }
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return null;
}

type ChainResult = { ok: boolean; message: string; warning?: boolean };

/**
 * The signer certificate chains to a trusted root at `date`, every signature on that path verifies,
 * and every other certificate the token carries has a signature that verifies too (a token is
 * refused rather than carry bytes no signature covers).
 */
async function checkChain(signer: Certificate, tokenCerts: Certificate[], roots: Certificate[], date: Date): Promise<ChainResult> {
  const who = `the TSA certificate (${nameText(signer.subject)}, issued by ${nameText(signer.issuer)})`;
  const broken = (detail: string): ChainResult => ({ ok: false, message: `${who} does not chain to a trusted root: ${detail}` });
  // pkijs merges certificates whose TBS bytes are equal (keeping the first) and validates whichever
  // is last as the leaf. Passing another copy of the signer (say, with an altered signature) would
  // have it validate that copy instead: pass the signer only, and last.
  const others = tokenCerts.filter((c) => c !== signer && !equalBytes(c.tbsView, signer.tbsView));
  const engine = new CertificateChainValidationEngine({ trustedCerts: roots, certs: [...others, signer], checkDate: date });
  let path: Certificate[];
  try {
    const r = await engine.verify();
    if (!r.result) return broken(r.resultMessage);
    path = (r.certificatePath ?? []) as Certificate[];
  } catch (e) {
    return broken(e && typeof e === 'object' && 'resultMessage' in e ? String((e as { resultMessage: unknown }).resultMessage) : String(e));
  }
  if (path[0] !== signer || path.length < 2) return broken('the validated path does not start at the certificate that signed the token');
  // Each link again, explicitly: the signer's own signature by its issuer, and so on up to the root.
  for (let i = 0; i + 1 < path.length; i++) {
    let good = false;
    try {
      good = await path[i]!.verify(path[i + 1]);
    } catch {
      good = false;
    }
    if (!good || path[i]!.signatureValue.valueBlock.unusedBits !== 0) return broken(`the signature on ${nameText(path[i]!.subject)} does not verify`);
  }
  const top = path.at(-1)!;
  if (!roots.some((r) => equalBytes(r.tbsView, top.tbsView))) return broken('the path does not end at a trusted root');
  const pathDer = path.map(certDer);
  const pool = [...tokenCerts, ...roots];
  // Certificates off the signer's path: an altered one (its issuer is known, its signature fails)
  // means the token was tampered with; one whose issuer we simply do not have (a cross-certificate
  // to another root, say) proves nothing either way and only earns a warning, so that genuine
  // tokens from public authorities are not rejected for carrying extra certificates.
  const unknownIssuer: string[] = [];
  for (const c of tokenCerts) {
    const der = certDer(c);
    if (pathDer.some((d) => equalBytes(d, der))) continue;
    const issuers = pool.filter((i) => i.subject.isEqual(c.issuer));
    let good = false;
    for (const i of issuers) {
      try {
        if (await c.verify(i)) {
          good = true;
          break;
        }
      } catch {
        /* try the next */
      }
    }
    if (!issuers.length && c.signatureValue.valueBlock.unusedBits === 0) {
      unknownIssuer.push(`${nameText(c.subject)}, issued by ${nameText(c.issuer)}`);
      continue;
    }
    if (!good || c.signatureValue.valueBlock.unusedBits !== 0) {
      return { ok: false, message: `the token carries a certificate (${nameText(c.subject)}, issued by ${nameText(c.issuer)}) whose signature does not verify (it was altered)` };
    }
  }
  const message = `the TSA certificate chains to the trusted root ${nameText(top.subject)}`;
  if (unknownIssuer.length) {
    return { ok: true, warning: true, message: `${message}; the token also carries certificates off that path whose issuer is unknown here, so they were not checked: ${unknownIssuer.join('; ')}` };
  }
  return { ok: true, message };
}

const OID_ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12';
const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';

/** Parameters of a digest or signature algorithm: absent or NULL (RSASSA-PSS carries real ones). */
function paramsOk(a: AlgorithmIdentifier): boolean {
  const p = a.algorithmParams as unknown;
  return p === undefined || p instanceof asn1js.Null || a.algorithmId === OID_RSASSA_PSS;
}

/** The parts of the SignedData that no signature covers must be exactly what RFC 3161/5652 allow. */
function shapeProblem(sd: SignedData): string | null {
  if (sd.version !== 3) return `SignedData version ${sd.version}, expected 3 for a TSTInfo`;
  if (sd.signerInfos.length !== 1) return `${sd.signerInfos.length} signers, expected exactly one`;
  if (sd.crls?.length) return 'it carries revocation lists, which no signature covers';
  if (sd.certificates?.some((c) => !(c instanceof Certificate))) return 'it carries a certificate of an unsupported kind';
  const si = sd.signerInfos[0]!;
  const want = si.sid instanceof IssuerAndSerialNumber ? 1 : 3;
  if (si.version !== want) return `SignerInfo version ${si.version}, expected ${want}`;
  if (!IMPRINT_ALGORITHMS[si.digestAlgorithm.algorithmId] || !paramsOk(si.digestAlgorithm)) return `unsupported digest algorithm ${si.digestAlgorithm.algorithmId}`;
  if (!paramsOk(si.signatureAlgorithm)) return `unexpected parameters for the signature algorithm ${si.signatureAlgorithm.algorithmId}`;
  for (const d of sd.digestAlgorithms) {
    if (!IMPRINT_ALGORITHMS[d.algorithmId] || !paramsOk(d)) return `unsupported digest algorithm ${d.algorithmId} in the SignedData`;
  }
  if (!sd.digestAlgorithms.some((d) => d.algorithmId === si.digestAlgorithm.algorithmId)) return 'the signer digest algorithm is not listed in the SignedData';
  if (!si.signedAttrs) return 'no signed attributes';
  if (si.unsignedAttrs) return 'it carries unsigned attributes, which no signature covers';
  return null;
}

/**
 * The signed attributes bind this certificate (RFC 3161 §2.4.1 / RFC 5035: SigningCertificate or
 * SigningCertificateV2, whose first ESSCertID is the hash of the signer certificate) and say the
 * content is a TSTInfo.
 */
async function signedAttributesProblem(sd: SignedData, signer: Certificate): Promise<string | null> {
  const attrs = sd.signerInfos[0]!.signedAttrs?.attributes ?? [];
  const ct = attrs.filter((a) => a.type === OID_ATTR_CONTENT_TYPE);
  const ctValue = ct[0]?.values[0] as unknown;
  if (ct.length !== 1 || !(ctValue instanceof asn1js.ObjectIdentifier) || ctValue.getValue() !== OID_TST_INFO) {
    return 'the signed content-type attribute is not id-ct-TSTInfo';
  }
  const v1 = attrs.filter((a) => a.type === OID_SIGNING_CERTIFICATE);
  const v2 = attrs.filter((a) => a.type === OID_SIGNING_CERTIFICATE_V2);
  if (v1.length + v2.length === 0) return 'no signing-certificate attribute binds the TSA certificate (RFC 3161 §2.4.1)';
  if (v1.length > 1 || v2.length > 1) return 'more than one signing-certificate attribute';
  const der = certDer(signer);
  for (const [attr, v2form] of [...v1.map((a) => [a, false] as const), ...v2.map((a) => [a, true] as const)]) {
    try {
      if (attr.values.length !== 1) return 'a signing-certificate attribute does not have exactly one value';
      const ids = (attr.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
      const first = ids.valueBlock.value[0] as asn1js.Sequence;
      const items = first.valueBlock.value;
      let i = 0;
      let alg = v2form ? 'SHA-256' : 'SHA-1';
      if (v2form && items[0] instanceof asn1js.Sequence) {
        const a = new AlgorithmIdentifier({ schema: items[0] });
        const name = IMPRINT_ALGORITHMS[a.algorithmId];
        if (!name) return `unsupported hash ${a.algorithmId} in the signing-certificate attribute`;
        alg = name;
        i = 1;
      }
      const hash = items[i];
      if (!(hash instanceof asn1js.OctetString)) return 'the signing-certificate attribute holds no certificate hash';
      const d = new Uint8Array(await crypto.subtle.digest(alg, ab(der)));
      if (!equalBytes(d, new Uint8Array(hash.valueBlock.valueHexView))) {
        return 'the signing-certificate attribute names another certificate than the one that signed';
      }
      const issuerSerial = items[i + 1];
      if (issuerSerial !== undefined) {
        const [names, serial] = (issuerSerial as asn1js.Sequence).valueBlock.value;
        const gn = new GeneralNames({ schema: names });
        const issuerOk = gn.names.some((n) => n.type === 4 && signer.issuer.isEqual(n.value));
        if (!issuerOk || !(serial instanceof asn1js.Integer) || !serial.isEqual(signer.serialNumber)) {
          return 'the issuer and serial in the signing-certificate attribute are not those of the signer certificate';
        }
      }
    } catch (e) {
      return `the signing-certificate attribute cannot be read (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  return null;
}

/**
 * Checks the CMS signature of a token (DER ContentInfo) with the certificate it embeds: the signed
 * attributes' message digest over the TSTInfo, the signature over those attributes, the
 * signing-certificate attribute binding that very certificate, and the unsigned framing. Says
 * nothing about whom the certificate belongs to (that is the chain check) or which file it stamps.
 */
export async function verifyTokenSignature(tokenDer: Uint8Array): Promise<{ ok: boolean; message: string }> {
  const fail = (why: string) => ({ ok: false, message: `the token signature does not verify: ${why}` });
  try {
    const ci = ContentInfo.fromBER(ab(tokenDer));
    const sd = new SignedData({ schema: ci.content });
    const shape = shapeProblem(sd);
    if (shape) return fail(shape);
    const signer = await signerCertOf(sd);
    if (!signer) {
      return fail((await signerCandidates(sd)).length > 1 ? 'several different certificates match the signer' : 'the signer certificate is not in the token');
    }
    const copy = new SignedData({ schema: ci.content });
    // As plain signed data, so pkijs does not also compare the imprint with a file here.
    copy.encapContentInfo.eContentType = OID_DATA;
    const r = await copy.verify({ signer: 0, checkChain: false, extendedMode: true });
    if (r.signatureVerified !== true) {
      return { ok: false, message: 'the token signature does not verify (the token was altered or not made by this certificate)' };
    }
    // pkijs picks its own signer certificate; it must be the one bound below.
    if (r.signerCertificate && !equalBytes(certDer(r.signerCertificate), certDer(signer))) return fail('pkijs used another signer certificate');
    const attrs = await signedAttributesProblem(sd, signer);
    if (attrs) return fail(attrs);
    return { ok: true, message: 'the token signature verifies' };
  } catch (e) {
    const msg = e instanceof SignedDataVerifyError || e instanceof Error ? e.message : String(e);
    return fail(msg);
  }
}

/**
 * The certificates a token carries (the TSA's own first, then the others as given), as PEM, for
 * putting the chain into a bundle next to the token.
 */
export async function extractTsaChainPems(responseDer: Uint8Array): Promise<string[]> {
  const { signedData } = parseTimeStampResp(responseDer);
  if (!signedData) return [];
  const certs = certificatesOf(signedData);
  const signer = await signerCertOf(signedData);
  const ordered = signer ? [signer, ...certs.filter((c) => c !== signer)] : certs;
  return ordered.map(certToPem);
}
