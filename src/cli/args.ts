import { parseArgs } from 'node:util';

/** Command-line options of `npm run capture`. Names are a contract (issues #2–#4): keep them. */
export const CAPTURE_OPTIONS = {
  out: { type: 'string' },
  'urls-file': { type: 'string' },
  'browser-path': { type: 'string' },
  'browser-arg': { type: 'string', multiple: true },
  proxy: { type: 'string' },
  'ignore-https-errors': { type: 'boolean' },
  profile: { type: 'string' },
  wait: { type: 'string' },
  'no-tsa': { type: 'boolean' },
  tsa: { type: 'string', multiple: true },
  key: { type: 'string' },
  'age-recipient': { type: 'string', multiple: true },
  'age-passphrase': { type: 'boolean' },
  case: { type: 'string' },
  timeout: { type: 'string' },
  headful: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export interface CaptureArgs {
  urls: string[];
  out: string | null;
  urlsFile: string | null;
  browserPath: string | undefined;
  browserArgs: string[];
  proxy: string | undefined;
  ignoreHttpsErrors: boolean;
  profile: string | undefined;
  waitMs: number;
  noTsa: boolean;
  tsa: string[];
  key: string | undefined;
  ageRecipients: string[];
  agePassphrase: boolean;
  caseName: string | undefined;
  timeoutMs: number;
  headful: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {}

function nonNegativeInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} takes a whole number of milliseconds, not "${value}".`);
  return Number(value);
}

/**
 * `--name value` must work even when the value itself starts with "--" (a Chromium flag given to
 * --browser-arg); node's parseArgs calls that ambiguous, so string options are joined with their
 * value first.
 */
export function joinStringOptions(argv: string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') ? a.slice(2) : null;
    if (name && options[name]?.type === 'string' && i + 1 < argv.length) {
      out.push(`--${name}=${argv[++i]}`);
    } else out.push(a);
  }
  return out;
}

export function parseCaptureArgs(argv: string[]): CaptureArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: joinStringOptions(argv, CAPTURE_OPTIONS), options: CAPTURE_OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.proxy && !/^(https?|socks[45]?):\/\/[^\s]+$/i.test(v.proxy)) throw new UsageError(`--proxy must be an http(s):// or socks5:// URL, not "${v.proxy}".`);
  for (const u of parsed.positionals) {
    if (!/^(https?|file):\/\//i.test(u)) throw new UsageError(`Not a URL: "${u}" (only http, https and file URLs can be captured).`);
  }
  return {
    urls: parsed.positionals,
    out: v.out ?? null,
    urlsFile: v['urls-file'] ?? null,
    browserPath: v['browser-path'],
    browserArgs: v['browser-arg'] ?? [],
    proxy: v.proxy,
    ignoreHttpsErrors: !!v['ignore-https-errors'],
    profile: v.profile,
    waitMs: nonNegativeInt('wait', v.wait, 0),
    noTsa: !!v['no-tsa'],
    tsa: v.tsa ?? [],
    key: v.key,
    ageRecipients: v['age-recipient'] ?? [],
    agePassphrase: !!v['age-passphrase'],
    caseName: v.case,
    timeoutMs: nonNegativeInt('timeout', v.timeout, 120_000),
    headful: !!v.headful,
    json: !!v.json,
    help: !!v.help,
    version: !!v.version,
  };
}

/** One URL a line; blank lines and lines starting with # are skipped. */
export function parseUrlsFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

export function defaultOutName(now = new Date()): string {
  return `evidence-${now.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}.zip`;
}

export const CAPTURE_HELP = `Usage: npm run capture -- [options] <url>...

Captures each URL with the Jianzheng extension in Chromium (headless) and writes one evidence bundle.

Options (--name value and --name=value both work):
  --out <file.zip>          bundle to write (default evidence-<time>.zip)
  --urls-file <file>        read URLs from a file, one a line (# comments allowed)
  --browser-path <exe>      Chromium to use (default $CHROMIUM_PATH, then the usual locations)
  --browser-arg <arg>       extra Chromium argument (repeatable)
  --proxy <url>             send all page traffic through this http(s) or socks proxy
  --ignore-https-errors     capture pages with invalid certificates
  --profile <dir>           use this browser profile: captures stay in its evidence store
  --wait <ms>               extra settle time after each page has loaded
  --timeout <ms>            give up on one capture after this long (default 120000)
  --case <name>             put the captures into this case (created when missing)
  --no-tsa                  make no time-stamping-authority calls
  --tsa <url>               time-stamping authority (repeatable; replaces the defaults)
  --key <file>              sign with this passphrase-protected key backup
                            (passphrase from JIANZHENG_KEY_PASSPHRASE)
  --age-recipient <age1…>   also encrypt the bundle to this age recipient (repeatable)
  --age-passphrase          also encrypt the bundle with a passphrase (from JIANZHENG_AGE_PASSPHRASE)
  --headful                 show the browser window
  --json                    print a machine-readable summary on stdout
  -h, --help                this help

Exit status: 0 only when every URL was captured and the bundle was written.`;
