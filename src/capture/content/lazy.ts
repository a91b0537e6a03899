/**
 * Makes lazy content load before the snapshot and the full screenshot: scrolls the page down one
 * viewport at a time (real scrolling fires IntersectionObserver and native loading=lazy alike), waits
 * for images that started loading, then restores the user's scroll position. Bounded in distance and
 * time so that an infinite feed cannot hold a capture hostage.
 */
export interface LazyLoadResult {
  steps: number;
  scrolledTo: number;
  capped: boolean;
  ms: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function pendingImages(doc: Document): HTMLImageElement[] {
  return Array.from(doc.images).filter((img) => !img.complete && img.loading !== 'lazy' && !!img.currentSrc);
}

async function waitForImages(doc: Document, timeoutMs: number): Promise<void> {
  const pending = pendingImages(doc);
  if (!pending.length) return;
  await Promise.race([
    Promise.all(pending.map((img) => new Promise<void>((r) => {
      img.addEventListener('load', () => r(), { once: true });
      img.addEventListener('error', () => r(), { once: true });
    }))),
    sleep(timeoutMs),
  ]);
}

export async function loadLazyContent(win: Window, opts: { maxHeight?: number; maxMs?: number; stepDelayMs?: number } = {}): Promise<LazyLoadResult> {
  const start = performance.now();
  const doc = win.document;
  const maxHeight = opts.maxHeight ?? 30_000;
  const maxMs = opts.maxMs ?? 8_000;
  const stepDelay = opts.stepDelayMs ?? 120;
  const origX = win.scrollX;
  const origY = win.scrollY;
  const scroller = doc.scrollingElement ?? doc.documentElement;
  let y = 0;
  let steps = 0;
  let capped = false;
  // Eager-load native lazy images so they need no scrolling at all.
  for (const img of Array.from(doc.querySelectorAll<HTMLImageElement>('img[loading="lazy"]'))) img.loading = 'eager';
  for (const f of Array.from(doc.querySelectorAll<HTMLIFrameElement>('iframe[loading="lazy"]'))) f.loading = 'eager';
  while (true) {
    const height = scroller.scrollHeight;
    if (y + win.innerHeight >= height) break;
    if (y >= maxHeight || performance.now() - start > maxMs) {
      capped = true;
      break;
    }
    y += Math.max(200, Math.floor(win.innerHeight * 0.9));
    win.scrollTo({ left: 0, top: y, behavior: 'instant' as ScrollBehavior });
    steps++;
    await sleep(stepDelay);
    await waitForImages(doc, 1_000);
  }
  await waitForImages(doc, 2_000);
  win.scrollTo({ left: origX, top: origY, behavior: 'instant' as ScrollBehavior });
  // Let layout settle after the jump back (sticky headers, reflow from newly loaded images).
  await sleep(stepDelay);
  return { steps, scrolledTo: y, capped, ms: Math.round(performance.now() - start) };
}
