/**
 * Turns the times platforms show ("3分钟前", "昨天 12:00", "22-6-13 10:21", "2h", "Jun 12") into ISO
 * 8601. Relative and year-less forms are resolved against the capture time, read as wall-clock time
 * in the platform's time zone (Chinese platforms show Beijing time, +08:00).
 *
 * Output: a UTC instant like 2022-06-13T02:21:00.000Z, or a plain date (2022-06-12) when the page
 * shows only a day; null when the text holds no time we can read.
 */

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};
const MONTH_RE = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\\.?';

/** '+08:00' / '-05:30' / 'Z' → minutes east of UTC. */
export function tzOffsetMinutes(tz: string): number {
  if (tz === 'Z' || tz === 'UTC') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(tz);
  if (!m) throw new Error(`bad time zone offset: ${tz}`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

interface Wall {
  y: number;
  mo: number;
  d: number;
}

function wallDate(at: Date, off: number): Wall {
  const s = new Date(at.getTime() + off * 60_000);
  return { y: s.getUTCFullYear(), mo: s.getUTCMonth() + 1, d: s.getUTCDate() };
}

function validParts(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCMonth() === mo - 1; // rejects 31 June and the like
}

/** Wall-clock time in the zone → UTC ISO string. */
function instant(y: number, mo: number, d: number, h: number, mi: number, s: number, off: number): string | null {
  if (!validParts(y, mo, d, h, mi, s)) return null;
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s) - off * 60_000).toISOString();
}

function dateOnly(y: number, mo: number, d: number): string | null {
  if (!validParts(y, mo, d, 0, 0, 0)) return null;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function hour12(h: number, ampm: string | undefined): number {
  if (!ampm) return h;
  const pm = /^p/i.test(ampm) || ampm === '下午' || ampm === '晚上';
  if (pm && h < 12) return h + 12;
  if (!pm && h === 12) return 0;
  return h;
}

/**
 * For dates shown without a year ("06-13 10:21", "Jun 12"): this year, unless that would be more
 * than a day after the capture, in which case the post is from last year.
 */
function yearless(mo: number, d: number, h: number, mi: number, s: number, at: Date, off: number, withTime: boolean): string | null {
  let y = wallDate(at, off).y;
  const make = (yy: number): string | null => (withTime ? instant(yy, mo, d, h, mi, s, off) : dateOnly(yy, mo, d));
  const first = instant(y, mo, d, h, mi, s, off);
  if (first && Date.parse(first) > at.getTime() + 86_400_000) y -= 1;
  return make(y);
}

export function resolveRelativeTime(text: string, capturedAt: Date, tz = '+08:00'): string | null {
  const off = tzOffsetMinutes(tz);
  const raw = text.replace(/\s+/g, ' ').trim();
  if (!raw) return null;
  const at = capturedAt.getTime();
  const ago = (ms: number): string => new Date(at - ms).toISOString();
  let m: RegExpExecArray | null;

  // Already machine-readable (time[datetime], JSON-LD, meta tags).
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(raw)) {
    const t = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(raw) ? raw : raw + tz.replace('UTC', 'Z'));
    return Number.isNaN(t) ? null : new Date(t).toISOString();
  }
  if (/^(刚刚|just now|now)$/i.test(raw) || /刚刚/.test(raw)) return ago(0);

  // "N秒前", "N分钟前", "N小时前", "N天前".
  if ((m = /(\d+)\s*(秒|分钟|小时|天|周)前/.exec(raw))) {
    const n = Number(m[1]);
    const unit = { 秒: 1e3, 分钟: 6e4, 小时: 36e5, 天: 864e5, 周: 6048e5 }[m[2] as '秒'];
    return ago(n * unit);
  }
  // English "2h", "3m", "45s", "1d", "5 minutes ago".
  if ((m = /^(\d+)\s*(s|m|h|d)$/i.exec(raw))) {
    const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2]!.toLowerCase() as 's'];
    return ago(Number(m[1]) * unit);
  }
  if ((m = /(\d+)\s*(second|sec|minute|min|hour|hr|day|week)s?\s+ago/i.exec(raw))) {
    const k = m[2]!.toLowerCase();
    const unit = k.startsWith('s') ? 1e3 : k.startsWith('mi') ? 6e4 : k.startsWith('h') ? 36e5 : k.startsWith('d') ? 864e5 : 6048e5;
    return ago(Number(m[1]) * unit);
  }

  const timeRe = '(上午|下午|晚上|凌晨)?\\s*(\\d{1,2})[:：](\\d{2})(?:[:：](\\d{2}))?\\s*(AM|PM|am|pm)?';

  // "今天 HH:MM", "昨天 HH:MM", "前天 HH:MM".
  if ((m = new RegExp(`(今天|昨天|前天)\\s*${timeRe}?`).exec(raw))) {
    const back = { 今天: 0, 昨天: 1, 前天: 2 }[m[1] as '今天'];
    const today = wallDate(capturedAt, off);
    const day = new Date(Date.UTC(today.y, today.mo - 1, today.d - back));
    const y = day.getUTCFullYear(), mo = day.getUTCMonth() + 1, d = day.getUTCDate();
    if (m[3] === undefined) return dateOnly(y, mo, d);
    const h = hour12(Number(m[3]), m[6] ?? m[2]);
    return instant(y, mo, d, h, Number(m[4]), Number(m[5] ?? 0), off);
  }

  // "YYYY-MM-DD HH:MM[:SS]", "YYYY/MM/DD", "YYYY年M月D日 HH:MM", and Weibo's two-digit "22-6-13 10:21".
  if ((m = new RegExp(`(?<![\\d])(\\d{4}|\\d{2})[-/.年](\\d{1,2})[-/.月](\\d{1,2})日?(?:\\s*${timeRe})?`).exec(raw))) {
    let y = Number(m[1]);
    if (m[1]!.length === 2) y += 2000;
    const mo = Number(m[2]), d = Number(m[3]);
    if (m[5] === undefined) return dateOnly(y, mo, d);
    return instant(y, mo, d, hour12(Number(m[5]), m[8] ?? m[4]), Number(m[6]), Number(m[7] ?? 0), off);
  }

  // "MM-DD HH:MM", "M月D日 HH:MM", "6-13" (this year).
  if ((m = new RegExp(`(?<![\\d-])(\\d{1,2})[-/月](\\d{1,2})日?(?:\\s*${timeRe})?(?![\\d])`).exec(raw))) {
    const mo = Number(m[1]), d = Number(m[2]);
    const withTime = m[4] !== undefined;
    const h = withTime ? hour12(Number(m[4]), m[7] ?? m[3]) : 0;
    return yearless(mo, d, h, withTime ? Number(m[5]) : 0, Number(m[6] ?? 0), capturedAt, off, withTime);
  }

  // English: "10:21 AM · Jun 13, 2022", "Jun 13, 2022", "June 13 2022", "13 Jun 2022", "Jun 12".
  const t = new RegExp(`(\\d{1,2}):(\\d{2})\\s*(AM|PM)`, 'i').exec(raw);
  const hh = t ? hour12(Number(t[1]), t[3]) : 0, mm = t ? Number(t[2]) : 0;
  const withYear = (y: number, mo: number, d: number): string | null => (t ? instant(y, mo, d, hh, mm, 0, off) : dateOnly(y, mo, d));
  if ((m = new RegExp(`${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})`, 'i').exec(raw))) {
    return withYear(Number(m[3]), MONTHS[m[1]!.toLowerCase().slice(0, 3)]!, Number(m[2]));
  }
  if ((m = new RegExp(`(\\d{1,2})\\s+${MONTH_RE},?\\s+(\\d{4})`, 'i').exec(raw))) {
    return withYear(Number(m[3]), MONTHS[m[2]!.toLowerCase().slice(0, 3)]!, Number(m[1]));
  }
  if ((m = new RegExp(`${MONTH_RE}\\s+(\\d{1,2})(?!\\d)`, 'i').exec(raw))) {
    return yearless(MONTHS[m[1]!.toLowerCase().slice(0, 3)]!, Number(m[2]), hh, mm, 0, capturedAt, off, !!t);
  }
  return null;
}

/** Unix seconds (as WeChat's `var ct` and Douyin's createTime give them) → ISO. */
export function fromUnixSeconds(v: string | number | null | undefined): string | null {
  const n = Number(v);
  if (v === null || v === undefined || v === '' || !Number.isFinite(n) || n <= 0) return null;
  return new Date(n * 1000).toISOString();
}
