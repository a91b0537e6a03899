/**
 * Checks an RFC 3161 token against a file, offline: one named check per property so that a report
 * says exactly what is wrong. Web APIs only (runs in the extension and in Node).
 */
import {
  Certificate,
  CertificateChainValidationEngine,
  ContentInfo,
  IssuerAndSerialNumber,
  type ExtKeyUsage,
  type GeneralName,
  SignedData, SignedDataVerifyError, type TSTInfo } from 'pkijs';
import {
  IMPRINT_ALGORITHMS,
  OID_DATA,
  OID_EXT_KEY_USAGE,
  OID_KP_TIME_STAMPING,
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

/** The certificate that signed the token, found by issuer+serial or by subject key identifier. */
async function signerCertOf(sd: SignedData): Promise<Certificate | null> {
  try {
    const sid = sd.signerInfos[0]?.sid;
    if (!sid) return null;
    const certs = certificatesOf(sd);
    if (sid instanceof IssuerAndSerialNumber) {
      return certs.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber)) ?? null;
    }
    // [0] SubjectKeyIdentifier: SHA-1 of the subject public key (RFC 5280 §4.2.1.2 method 1).
    const block = sid as { idBlock: { isConstructed: boolean }; valueBlock: { value: { valueBlock: { valueHexView: Uint8Array } }[]; valueHexView: Uint8Array } };
    const keyId = block.idBlock.isConstructed ? block.valueBlock.value[0]!.valueBlock.valueHexView : block.valueBlock.valueHexView;
    for (const c of certs) {
      const d = new Uint8Array(await crypto.subtle.digest('SHA-1', ab(c.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)));
      if (equalBytes(d, new Uint8Array(keyId))) return c;
    }
  } catch {
    /* fall through: the signature check reports it */
  }
  return null;
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

  let parsed;
  try {
    parsed = parseTimeStampResp(responseDer);
  } catch (e) {
    checks.push({ id: 'tsr-parse', ok: false, message: `cannot read the token: ${e instanceof Error ? e.message : String(e)}` });
    return done(null, null);
  }
  if (parsed.status !== 0 && parsed.status !== 1) {
    checks.push({ id: 'tsr-status', ok: false, message: `the authority refused the request (${parsed.statusText})` });
    return done(null, null);
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

  // 4. Chain from the TSA certificate to a trusted root, valid at the token's time.
  if (!signer) {
    checks.push({ id: 'tsr-chain', ok: false, message: 'the token does not include the TSA certificate' });
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
      const engine = new CertificateChainValidationEngine({
        trustedCerts: roots,
        certs: [...certificatesOf(sd).filter((c) => c !== signer), signer],
        checkDate: genDate,
      });
      try {
        const r = await engine.verify();
        const path = (r.certificatePath ?? []) as Certificate[];
        const top = path.at(-1);
        checks.push(
          r.result
            ? { id: 'tsr-chain', ok: true, message: `the TSA certificate chains to the trusted root ${top ? nameText(top.subject) : ''}`.trim() }
            : {
                id: 'tsr-chain',
                ok: false,
                message: `the TSA certificate (${nameText(signer.subject)}, issued by ${nameText(signer.issuer)}) does not chain to a trusted root: ${r.resultMessage}`,
              },
        );
      } catch (e) {
        const detail = e && typeof e === 'object' && 'resultMessage' in e ? String((e as { resultMessage: unknown }).resultMessage) : String(e);
        checks.push({
          id: 'tsr-chain',
          ok: false,
          message: `the TSA certificate (${nameText(signer.subject)}, issued by ${nameText(signer.issuer)}) does not chain to a trusted root: ${detail}`,
        });
      }
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
 * Checks the CMS signature of a token (DER ContentInfo) with the certificate it embeds: the signed
 * attributes' message digest over the TSTInfo, and the signature over those attributes. Says nothing
 * about whom the certificate belongs to (that is the chain check) or which file it stamps.
 */
export async function verifyTokenSignature(tokenDer: Uint8Array): Promise<{ ok: boolean; message: string }> {
  try {
    const ci = ContentInfo.fromBER(ab(tokenDer));
    const copy = new SignedData({ schema: ci.content });
    // As plain signed data, so pkijs does not also compare the imprint with a file here.
    copy.encapContentInfo.eContentType = OID_DATA;
    const r = await copy.verify({ signer: 0, checkChain: false, extendedMode: true });
    return r.signatureVerified === true
      ? { ok: true, message: 'the token signature verifies' }
      : { ok: false, message: 'the token signature does not verify (the token was altered or not made by this certificate)' };
  } catch (e) {
    const msg = e instanceof SignedDataVerifyError || e instanceof Error ? e.message : String(e);
    return { ok: false, message: `the token signature does not verify: ${msg}` };
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
