/**
 * Peak memory of the browser: every 100 ms, the sum of Pss (proportional set size, so pages shared
 * between Chromium's processes are not counted twice) over every Chromium process descended from
 * this Node process. Linux only (/proc).
 */
import { readdirSync, readFileSync } from 'node:fs';

function children(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      (kids.get(ppid) ?? kids.set(ppid, []).get(ppid)!).push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return kids;
}

function browserPids(): number[] {
  const kids = children();
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of kids.get(p) ?? []) {
      try {
        if (/chrom/i.test(readFileSync(`/proc/${c}/comm`, 'utf8'))) out.push(c);
      } catch {
        /* gone */
      }
      walk(c);
    }
  };
  walk(process.pid);
  return out;
}

/** Current total Pss of the browser's processes, in bytes. */
export function browserPss(): number {
  let kb = 0;
  for (const pid of browserPids()) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return kb * 1024;
}

export interface Sampler {
  stop(): { peak: number; samples: number };
}

export function sampleMemory(intervalMs = 100): Sampler {
  let peak = browserPss();
  let samples = 1;
  const t = setInterval(() => {
    peak = Math.max(peak, browserPss());
    samples++;
  }, intervalMs);
  return {
    stop() {
      clearInterval(t);
      peak = Math.max(peak, browserPss());
      return { peak, samples: samples + 1 };
    },
  };
}
