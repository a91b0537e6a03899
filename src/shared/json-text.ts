/** Where text is written, a string at a time (src/bundle/text-pieces.ts TextOut). */
export interface PutText {
  put(s: string): void;
}

/** Characters JSON.stringify writes otherwise than as they are (quotes, backslash, controls, surrogates). */
// eslint-disable-next-line no-control-regex
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(s) written into `out`: a string with nothing to escape (hashes, paths, most
 * titles) as its quotes and itself, no new string; the rest through JSON.stringify.
 */
export function putJsonString(out: PutText, s: string): void {
  if (JSON_ESCAPED.test(s)) {
    out.put(JSON.stringify(s));
    return;
  }
  out.put('"');
  out.put(s);
  out.put('"');
}
