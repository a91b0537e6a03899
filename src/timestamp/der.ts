/**
 * Strict DER for stored time-stamp tokens. BER lets one value be written many ways (long-form or
 * indefinite lengths, padded integers, any non-zero byte for TRUE, trailing bytes); a lenient parser
 * then accepts altered bytes as the same token. A .tsr file in a bundle is outside the bundle's own
 * signed file map, so a token must be exactly one canonical encoding: anything else is refused.
 * Parsing and re-encoding are asn1js's; this file only walks the parsed tree.
 */
import * as asn1js from 'asn1js';
import { ab, equalBytes } from './asn';

/** Universal tags that DER requires to be primitive (X.690 §10.2 and the string types). */
const PRIMITIVE_ONLY = new Set([1, 2, 3, 4, 5, 6, 9, 10, 12, 13, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);

// Notes asn1js adds to valid DER: every empty value (NULL, an empty OCTET STRING), and numbers
// too large for a JS number (certificate serials, large OID arcs), which it keeps as bytes.
const HARMLESS_WARNINGS = new Set(['Zero buffer length', 'Too big Integer for decoding, hex only', 'Too big SID for decoding, hex only']);

interface Walked {
  idBlock: { tagClass: number; tagNumber: number; isConstructed: boolean; warnings?: string[] };
  lenBlock: { isIndefiniteForm: boolean; warnings?: string[] };
  valueBlock: { value?: unknown; warnings?: string[]; valueHexView?: Uint8Array; unusedBits?: number; error?: string };
  warnings?: string[];
  error?: string;
}

/** The content octets of an OBJECT IDENTIFIER, from the bytes asn1js kept when decoding. */
function oidContent(block: Walked): Uint8Array | null {
  const before = (block as unknown as { valueBeforeDecodeView?: Uint8Array }).valueBeforeDecodeView;
  if (!before) return null;
  const header = (block as unknown as { idBlock: { blockLength: number }; lenBlock: { blockLength: number } });
  return before.subarray(header.idBlock.blockLength + header.lenBlock.blockLength);
}

function problemIn(block: Walked, path: string): string | null {
  const where = `${path}[${block.idBlock.tagClass === 1 ? '' : `class ${block.idBlock.tagClass} `}tag ${block.idBlock.tagNumber}]`;
  const warnings = [block.warnings, block.idBlock.warnings, block.lenBlock.warnings, block.valueBlock.warnings]
    .flatMap((w) => w ?? [])
    .filter((w) => !HARMLESS_WARNINGS.has(w));
  if (warnings.length) return `${where}: ${warnings.join('; ')}`;
  if (block.error || block.valueBlock.error) return `${where}: ${block.error || block.valueBlock.error}`;
  if (block.lenBlock.isIndefiniteForm) return `${where}: indefinite length`;
  const universal = block.idBlock.tagClass === 1;
  const tag = block.idBlock.tagNumber;
  if (universal && block.idBlock.isConstructed && PRIMITIVE_ONLY.has(tag)) return `${where}: constructed form of a primitive type`;
  if (universal && tag === 1) {
    const v = block.valueBlock.valueHexView;
    if (!v || v.length !== 1 || (v[0] !== 0x00 && v[0] !== 0xff)) return `${where}: BOOLEAN not encoded as 00 or FF`;
  }
  // asn1js skips its own minimality checks for values too large for a JS number: check here.
  if (universal && (tag === 2 || tag === 10)) {
    const v = block.valueBlock.valueHexView ?? new Uint8Array();
    if (v.length === 0) return `${where}: empty INTEGER`;
    if (v.length > 1 && ((v[0] === 0x00 && !(v[1]! & 0x80)) || (v[0] === 0xff && v[1]! & 0x80))) return `${where}: INTEGER not in minimal form`;
  }
  if (universal && tag === 6) {
    const raw = oidContent(block);
    if (raw && (raw.length === 0 || raw[0] === 0x80 || raw.some((b, i) => b === 0x80 && i > 0 && !(raw[i - 1]! & 0x80)))) return `${where}: OBJECT IDENTIFIER not in minimal form`;
  }
  if (universal && tag === 3 && !block.idBlock.isConstructed) {
    const bits = block.valueBlock.unusedBits ?? 0;
    const v = block.valueBlock.valueHexView ?? new Uint8Array();
    if (bits > 0 && (v.length === 0 || (v[v.length - 1]! & ((1 << bits) - 1)) !== 0)) return `${where}: BIT STRING padding bits are not zero`;
  }
  if (block.idBlock.isConstructed && Array.isArray(block.valueBlock.value)) {
    const children = block.valueBlock.value as Walked[];
    for (let i = 0; i < children.length; i++) {
      const p = problemIn(children[i]!, `${where}.${i}`);
      if (p) return p;
    }
  }
  return null;
}

/**
 * Why `der` is not exactly one canonical DER value, or null when it is: it must parse completely
 * (no bytes after the end), carry no non-minimal lengths or integers, no indefinite lengths, no
 * constructed strings, booleans only 00/FF, zero BIT STRING padding, and re-encode byte for byte.
 */
export function derProblem(der: Uint8Array): string | null {
  if (der.length === 0) return 'empty';
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(ab(der));
  } catch (e) {
    return `not ASN.1: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (parsed.offset === -1) return `not ASN.1: ${parsed.result.error || 'cannot decode'}`;
  if (parsed.offset !== der.length) return `${der.length - parsed.offset} bytes after the end of the encoded value`;
  const p = problemIn(parsed.result as unknown as Walked, '');
  if (p) return `not DER: ${p}`;
  const again = new Uint8Array(parsed.result.toBER(false));
  if (!equalBytes(again, der)) return 'not DER: does not re-encode to the same bytes';
  return null;
}
