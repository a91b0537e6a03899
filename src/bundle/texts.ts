/**
 * The two human-readable files of a bundle: report.html and VERIFY.txt. They are part of the
 * evidence (hashed and signed like the rest), always in English and Simplified Chinese, and are
 * built from plain strings here rather than _locales because they are written in Node too.
 */
import { formatFingerprint } from '../crypto/ecdsa';
import { timestampVerifyInstructions } from '../timestamp/instructions';
import type { ExportedLedgerEvent } from '../ledger/types';
import {
  LEDGER_FILE,
  MANIFEST_FILE,
  MANIFEST_SIG_FILE,
  PUBLIC_KEY_FILE,
  SHA256SUMS_FILE,
  type ManifestCapture,
  type SignerInfo,
  type ToolInfo,
} from './format';
import type { TextOut } from './text-pieces';

export interface TextsInput {
  createdAt: string;
  tool: ToolInfo;
  signer: SignerInfo;
  captures: ManifestCapture[];
  ledger: ExportedLedgerEvent[];
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes text for HTML element content and quoted attribute values. */
export function esc(s: unknown): string {
  const text = String(s ?? '');
  // Most fields (hashes, ids, dates, sizes) have nothing to escape: no new string for them.
  return NEEDS_ESC.test(text) ? text.replace(/[&<>"']/g, (c) => ESC[c]!) : text;
}
const NEEDS_ESC = /[&<>"']/;

/** A relative link to a file inside the bundle; each segment is percent-encoded. */
function rel(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function screenshotOf(c: ManifestCapture): string | null {
  for (const kind of ['screenshot-visible', 'element-screenshot', 'screenshot-full'] as const) {
    const a = c.artifacts.find((x) => x.kind === kind);
    if (a) return a.path;
  }
  return null;
}

function bi(en: string, zh: string): string {
  return `${esc(en)} <span lang="zh-CN">${esc(zh)}</span>`;
}

/** The per-capture labels, made once per report rather than once per capture. */
function captureLabels() {
  return {
    requested: bi('Requested URL', '请求的网址'),
    final: bi('Final URL', '最终网址'),
    title: bi('Title', '标题'),
    at: bi('Captured at (UTC, capturing computer’s clock)', '采集时间（UTC，采集电脑时钟）'),
    id: bi('Capture ID', '采集编号'),
    hash: bi('Capture hash (SHA-256 of record.json)', '采集哈希（record.json 的 SHA-256）'),
    files: bi('Files', '文件'),
    file: bi('File', '文件'),
    bytes: bi('Bytes', '字节'),
    custody: bi('Custody events', '保管记录'),
    time: bi('Time (UTC)', '时间（UTC）'),
    event: bi('Event', '事件'),
    details: bi('Details', '详情'),
  };
}

/**
 * report.html written into `out`: the head, one section per capture (yielding after each), the
 * tail. An export encodes, hashes and deflates it a block at a time (textBlocks); a section is
 * written as its parts, so neither it nor the page is ever one string (at 1,000 captures the page
 * is ~2.6 MB of UTF-8, and making it as strings was the largest share of the export's garbage).
 */
export function* reportText(input: TextsInput, out: TextOut): Generator<void> {
  const { signer, captures, ledger } = input;
  // Each capture's own events, in ledger order: one pass, not one scan of the ledger per capture.
  const byCapture = new Map<string, ExportedLedgerEvent[]>();
  for (const e of ledger) {
    const id = e.body?.captureId;
    if (!id) continue;
    const list = byCapture.get(id);
    if (list) list.push(e);
    else byCapture.set(id, [e]);
  }
  const L = captureLabels();
  const put = (s: string): void => out.put(s);
  /** A table row of one label and one value (escaped), `mono` for URLs, hashes and times. */
  const row = (label: string, value: unknown, mono: boolean): void => {
    put('<tr><th>');
    put(label);
    put(mono ? '</th><td class="mono">' : '</th><td>');
    put(esc(value));
    put('</td></tr>\n');
  };
  const section = (c: ManifestCapture, i: number): void => {
    const shot = screenshotOf(c);
    const n = String(i + 1);
    put(i ? '\n<section class="capture" id="c-' : '<section class="capture" id="c-');
    put(esc(c.id));
    put('">\n<h2>Capture ');
    put(n);
    put(' <span lang="zh-CN">第 ');
    put(n);
    put(' 项</span>: ');
    put(esc(c.page.title ?? c.url));
    put('</h2>\n');
    if (shot) {
      const href = esc(rel(shot));
      put('<a href="');
      put(href);
      put('"><img src="');
      put(href);
      put('" alt="screenshot / 截图"></a>');
    }
    put('\n<table>\n');
    row(L.requested, c.url, true);
    row(L.final, c.finalUrl, true);
    row(L.title, c.page.title, false);
    row(L.at, c.capturedAt, true);
    row(L.id, c.id, true);
    row(L.hash, c.hash, true);
    put('</table>\n<h3>');
    put(L.files);
    put('</h3>\n<table class="files"><tr><th>');
    put(L.file);
    put('</th><th>');
    put(L.bytes);
    put('</th><th>SHA-256</th></tr>\n');
    c.artifacts.forEach((a, k) => {
      put(k ? '\n<tr><td class="mono">' : '<tr><td class="mono">');
      put(esc(a.path));
      put('</td><td>');
      put(esc(a.size));
      put('</td><td class="mono">');
      put(esc(a.sha256));
      put('</td></tr>');
    });
    put('\n</table>\n<h3>');
    put(L.custody);
    put('</h3>\n<table class="events"><tr><th>#</th><th>');
    put(L.time);
    put('</th><th>');
    put(L.event);
    put('</th><th>');
    put(L.details);
    put('</th></tr>\n');
    (byCapture.get(c.id) ?? []).forEach((e, k) => {
      put(k ? '\n<tr><td>' : '<tr><td>');
      put(esc(e.seq));
      put('</td><td class="mono">');
      put(esc(e.body!.time));
      put('</td><td>');
      put(esc(e.body!.type));
      put('</td><td class="mono">');
      put(esc(JSON.stringify(e.body!.payload)));
      put('</td></tr>');
    });
    put('\n</table>\n</section>');
  };

  put(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>Evidence bundle report / 证据包报告</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:1000px;margin:0 auto;padding:16px;color:#1d1f23;line-height:1.45}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #d9dce1;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f5f7;width:30%}.files th,.events th{width:auto}.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
img{max-width:100%;max-height:480px;border:1px solid #d9dce1;display:block;margin:8px 0}section.capture{border-top:2px solid #b3261e;margin-top:24px}
span[lang=zh-CN]{color:#5f6670}pre{background:#f4f5f7;padding:8px;white-space:pre-wrap}
</style>
</head>
<body>
<h1>${bi('Evidence bundle report', '证据包报告')}</h1>
<p>${bi(
    'This report is a readable summary. The evidence is the files next to it, bound together by manifest.json and its signature. This page loads nothing from the network and runs no captured content.',
    '本报告仅为便于阅读的摘要。证据是与其并列的文件，由 manifest.json 及其签名绑定在一起。本页面不从网络加载任何内容，也不运行任何采集到的内容。',
  )}</p>
<table>
<tr><th>${bi('Bundle created (UTC)', '证据包生成时间（UTC）')}</th><td class="mono">${esc(input.createdAt)}</td></tr>
<tr><th>${bi('Made with', '生成工具')}</th><td>${esc(input.tool.name)} ${esc(input.tool.version)}</td></tr>
<tr><th>${bi('Signer name (self-asserted, not checked by anyone)', '签名者名称（自行声明，未经任何人核实）')}</th><td>${esc(signer.name ?? '—')}</td></tr>
<tr><th>${bi('Signer key fingerprint (SHA-256 of public-key.pem as DER)', '签名密钥指纹（public-key.pem DER 形式的 SHA-256）')}</th><td class="mono">${esc(formatFingerprint(signer.fingerprint))}</td></tr>
<tr><th>${bi('Captures', '采集数量')}</th><td>${esc(captures.length)}</td></tr>
</table>
<h2>${bi('How to verify', '如何验证')}</h2>
<p>${bi('Follow VERIFY.txt in this folder, or run:', '请按照本文件夹中的 VERIFY.txt 操作，或运行：')}</p>
<pre>openssl dgst -sha256 -verify ${PUBLIC_KEY_FILE} -signature ${MANIFEST_SIG_FILE} ${MANIFEST_FILE}
sha256sum -c ${SHA256SUMS_FILE}
npx jianzheng-verify bundle.zip</pre>
<p>${bi(
    'Confirm the fingerprint above with the signer through another channel: the signature proves who holds the key, not who they are.',
    '请通过其他渠道向签名者核实上面的指纹：签名只能证明谁持有该密钥，不能证明其身份。',
  )}</p>
`);
  yield;
  for (let i = 0; i < captures.length; i++) {
    section(captures[i]!, i);
    yield;
  }
  put(`
<h2>${bi('Ledger', '保管链')}</h2>
<p>${bi(
    `${LEDGER_FILE} holds the whole custody chain up to this export (${ledger.length} events); events about other captures show only their hashes. The export itself is recorded after the bundle is made and so is not in it.`,
    `${LEDGER_FILE} 包含截至本次导出的完整保管链（${ledger.length} 条事件）；与其他采集相关的事件只显示其哈希。本次导出事件在证据包生成之后才记录，因此不在包内。`,
  )}</p>
</body>
</html>
`);
}

/** Where the list of record.json hashes goes in the text (a character no other part contains). */
const CAPTURES_MARK = '\u0000';

/**
 * VERIFY.txt written into `out`: the text before the list of record.json hashes, a line per
 * capture (its parts, no line string), the rest.
 */
export function* verifyText(input: TextsInput & { timestamps?: boolean }, out: TextOut): Generator<void> {
  const text = verifyTemplate(input, CAPTURES_MARK);
  const at = text.indexOf(CAPTURES_MARK);
  out.put(text.slice(0, at));
  for (let i = 0; i < input.captures.length; i++) {
    const c = input.captures[i]!;
    out.put(i ? '\n  ' : '  ');
    out.put(c.hash);
    out.put('  captures/');
    out.put(c.id);
    out.put('/record.json');
    yield;
  }
  out.put(text.slice(at + CAPTURES_MARK.length));
}

function verifyTemplate(input: TextsInput & { timestamps?: boolean }, caps: string): string {
  const fp = input.signer.fingerprint;
  return `HOW TO VERIFY THIS EVIDENCE BUNDLE / 如何验证本证据包
=====================================================

Tools: unzip, openssl, sha256sum (GNU coreutils; on macOS use "shasum -a 256").
工具：unzip、openssl、sha256sum（GNU coreutils；macOS 上请用 "shasum -a 256"）。

1. Unzip into an empty folder and enter it.
   解压到一个空文件夹并进入该文件夹。

     unzip bundle.zip -d bundle && cd bundle

2. Check the signature over manifest.json. Expected output: "Verified OK".
   验证 manifest.json 的签名。预期输出："Verified OK"。

     openssl dgst -sha256 -verify ${PUBLIC_KEY_FILE} -signature ${MANIFEST_SIG_FILE} ${MANIFEST_FILE}

3. Check which key signed. The fingerprint is the SHA-256 of the public key in DER form:
   核对签名所用的密钥。指纹是 DER 形式公钥的 SHA-256：

     openssl pkey -pubin -in ${PUBLIC_KEY_FILE} -outform DER | sha256sum

   It must print ${fp}
   (also in manifest.json under "signer"). Confirm this fingerprint with the signer through
   another channel: a signature shows who holds the key, not who they are.
   输出必须是上面的指纹（也见 manifest.json 的 "signer"）。请通过其他渠道向签名者核实该指纹：
   签名只能证明谁持有密钥，不能证明其身份。

4. Check that ${SHA256SUMS_FILE} is the list the signed manifest names:
   核对 ${SHA256SUMS_FILE} 正是已签名的 manifest 所列出的文件：

     sha256sum ${SHA256SUMS_FILE}
     grep '"${SHA256SUMS_FILE}"' ${MANIFEST_FILE}

   Both must show the same hash.
   两者必须显示相同的哈希。

5. Check every other file. Every line must end in "OK".
   核对其他所有文件。每一行都必须以 "OK" 结尾。

     sha256sum -c ${SHA256SUMS_FILE}

   The manifest's "files" map lists every file in the zip except manifest.json and
   manifest.json.*; a file that is in the zip but not in the map was added later.
   manifest 的 "files" 列出了压缩包中除 manifest.json 和 manifest.json.* 以外的所有文件；
   压缩包中有而 "files" 中没有的文件是事后添加的。

6. Each capture's hash is the SHA-256 of its record.json (already covered by step 5); the
   record lists the capture's URL, time and the SHA-256 of each of its files:
   每项采集的哈希是其 record.json 的 SHA-256（第 5 步已覆盖）；record 中列有采集的网址、时间及其
   每个文件的 SHA-256：

${caps}

7. Custody ledger (${LEDGER_FILE}): one event per line, in order. For each event,
   bodyHash = SHA-256(JCS(body)) and hash = SHA-256(JCS({"seq","prevHash","bodyHash"})),
   where JCS is RFC 8785 canonical JSON; prevHash is the previous event's hash (64 zeros for
   event 1). Events about captures not in this bundle carry only seq/prevHash/bodyHash/hash, so
   the chain can be checked without seeing them. manifest.json "ledger" gives the event count
   and the last hash. Checking this by hand is tedious: use the verifier below.
   保管链（${LEDGER_FILE}）：每行一条事件，按顺序排列。每条事件的 bodyHash = SHA-256(JCS(body))，
   hash = SHA-256(JCS({"seq","prevHash","bodyHash"}))，JCS 即 RFC 8785 规范化 JSON；prevHash 是上一条
   事件的 hash（第 1 条为 64 个 0）。与本包以外的采集相关的事件只含 seq/prevHash/bodyHash/hash，
   因此无需看到其内容也能核对整条链。manifest.json 的 "ledger" 给出事件数和最后一个哈希。
   手工核对较繁琐，请使用下面的验证工具。

8. All of the above in one step, with the open-source verifier:
   使用开源验证工具一步完成以上全部检查：

     npx jianzheng-verify bundle.zip        (exit code 0 = all checks passed / 退出码 0 表示全部通过)

${input.timestamps ? `\n${timestampVerifyInstructions('en')}\n${timestampVerifyInstructions('zh')}\n` : `This bundle has no trusted time-stamps: capture times rest on the capturing computer's clock.
本证据包没有可信时间戳：采集时间仅依据采集电脑的时钟。
`}
Bundle created ${input.createdAt} with ${input.tool.name} ${input.tool.version}.
证据包生成于 ${input.createdAt}，工具 ${input.tool.name} ${input.tool.version}。
`;
}
