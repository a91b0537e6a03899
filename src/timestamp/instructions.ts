/**
 * The "trusted time" section of a bundle's VERIFY.txt: stock openssl steps, so that a recipient can
 * check the tokens without our software. Bundle text, not UI: both languages are always written.
 */

const EN = `TRUSTED TIME (RFC 3161 time-stamps)
------------------------------------
A file P that was time-stamped has its token next to it: P.tsr (more authorities: P.2.tsr, P.3.tsr ...).
A token is signed by an independent time-stamping authority (TSA) and proves that P existed, exactly
as it is, no later than the time written in the token. The authority saw only P's SHA-256, never P.
Tokens over captures/<id>/record.json date each capture; manifest.json.tsr dates the export.

1. Read a token (the time is "Time stamp:", the file's SHA-256 is "Message data:"):
     openssl ts -reply -in captures/<id>/record.json.tsr -text

2. Check it against the file and a root certificate you trust:
     openssl ts -verify -data captures/<id>/record.json -in captures/<id>/record.json.tsr \\
       -CAfile /etc/ssl/certs/ca-certificates.crt
   Expected output: "Verification: OK".
   Take the root from your own system, not from this bundle (the bundle's tsa-certs/ folder only holds
   the TSA's own certificates, which the check does not trust by themselves). The default authorities
   chain to DigiCert Trusted Root G4 or DigiCert Assured ID Root CA, USERTrust RSA Certification
   Authority, and GlobalSign Root CA - R6, which are in the usual system stores.
   If openssl cannot find an intermediate certificate, add: -untrusted tsa-certs/<file>.pem
   (manifest.json.tsa-certs.pem for the manifest tokens).
   Years later, when a TSA certificate has expired, check at the token's time with -attime <unix time>,
   e.g. -attime $(date -d 2022-06-14T10:00:00Z +%s).

3. The export itself:
     openssl ts -verify -data manifest.json -in manifest.json.tsr -CAfile /etc/ssl/certs/ca-certificates.crt

4. All tokens at once (sh):
     find . -name '*.tsr' | while read -r t; do
       f=$(printf '%s' "$t" | sed -E 's/(\\.[0-9]+)?\\.tsr$//')
       printf '%s: ' "$t"; openssl ts -verify -data "$f" -in "$t" -CAfile /etc/ssl/certs/ca-certificates.crt 2>&1 | tail -n 1
     done

A failed check means the file changed after it was stamped, the token belongs to another file, or the
token does not come from an authority your root vouches for. Compare the token time with the capture
time in manifest.json: a large gap means the capture was stamped late (e.g. made offline); the token
proves existence only from the token time.
`;

const ZH = `可信时间（RFC 3161 时间戳）
--------------------------
加盖了时间戳的文件 P，其时间戳令牌就放在旁边：P.tsr（多个时间戳机构时还有 P.2.tsr、P.3.tsr……）。
令牌由独立的时间戳机构（TSA）签名，证明文件 P 在令牌所记载的时间之前就已经存在，且一字节未改。
机构只收到 P 的 SHA-256 哈希值，从未收到 P 本身。captures/<id>/record.json 的令牌证明每次采集的
时间；manifest.json.tsr 证明导出的时间。

1. 查看令牌（"Time stamp:" 为时间，"Message data:" 为文件的 SHA-256）：
     openssl ts -reply -in captures/<id>/record.json.tsr -text

2. 用文件本身和您信任的根证书核验：
     openssl ts -verify -data captures/<id>/record.json -in captures/<id>/record.json.tsr \\
       -CAfile /etc/ssl/certs/ca-certificates.crt
   应输出："Verification: OK"。
   根证书请取自您自己的系统，不要取自本证据包（包内 tsa-certs/ 目录只含时间戳机构自己的证书，
   核验时不会单凭它们就予以信任）。默认的时间戳机构分别链接到 DigiCert Trusted Root G4 或
   DigiCert Assured ID Root CA、USERTrust RSA Certification Authority 以及 GlobalSign Root CA - R6，
   这些根证书都在常见的系统证书库中。
   若 openssl 找不到中间证书，请加上：-untrusted tsa-certs/<文件>.pem
   （清单的令牌用 manifest.json.tsa-certs.pem）。
   多年以后时间戳机构证书过期时，请用 -attime <Unix 时间> 按令牌时间核验，
   例如 -attime $(date -d 2022-06-14T10:00:00Z +%s)。

3. 核验导出本身：
     openssl ts -verify -data manifest.json -in manifest.json.tsr -CAfile /etc/ssl/certs/ca-certificates.crt

4. 一次核验全部令牌（sh）：
     find . -name '*.tsr' | while read -r t; do
       f=$(printf '%s' "$t" | sed -E 's/(\\.[0-9]+)?\\.tsr$//')
       printf '%s: ' "$t"; openssl ts -verify -data "$f" -in "$t" -CAfile /etc/ssl/certs/ca-certificates.crt 2>&1 | tail -n 1
     done

核验失败说明：文件在加盖时间戳之后被改动过，或令牌属于另一个文件，或令牌并非来自您的根证书所担保
的机构。请将令牌时间与 manifest.json 中的采集时间对照：两者相差很大，说明该采集是事后才加盖时间戳的
（例如离线采集）；令牌只能证明文件自令牌时间起已经存在。
`;

/** The openssl ts steps for VERIFY.txt, in English ('en') or Simplified Chinese ('zh'). */
export function timestampVerifyInstructions(lang: 'en' | 'zh'): string {
  return lang === 'zh' ? ZH : EN;
}
