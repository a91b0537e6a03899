/**
 * Fidelity: the live page's full-page screenshot against each snapshot rendered offline (every
 * request aborted except the snapshot itself; data: and blob: URLs never reach the network), same
 * Chromium, same viewport, scripts off for snapshots (captured content is hostile, and neither tool's
 * snapshot needs them).
 */
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM } from './capture';
import { HOST_RULES } from './pages';
import { decodePng, matchingShare, type RawImage } from './png';

const VIEWPORT = { width: 1280, height: 800 };
// Chromium cannot paint a taller picture in one piece; pages are compared down to this height.
const MAX_HEIGHT = 16_000;

export async function withBrowser<T>(f: (b: Browser) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [HOST_RULES, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])] });
  try {
    return await f(browser);
  } finally {
    await browser.close();
  }
}

async function shoot(browser: Browser, url: string, html: Buffer | null): Promise<RawImage> {
  const context = await browser.newContext({ viewport: VIEWPORT, javaScriptEnabled: html === null, deviceScaleFactor: 1 });
  try {
    if (html) await context.route('**/*', (route) => (route.request().url() === url ? route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }) : route.abort()));
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForTimeout(500);
    const height = await page.evaluate(() => Math.max(document.documentElement.scrollHeight, document.body?.scrollHeight ?? 0));
    const png = await page.screenshot(height > MAX_HEIGHT ? { clip: { x: 0, y: 0, width: VIEWPORT.width, height: MAX_HEIGHT }, fullPage: true } : { fullPage: true });
    return decodePng(png);
  } finally {
    await context.close();
  }
}

export interface FidelityRow {
  url: string;
  ours: number | null;
  singleFile: number | null;
  liveHeight: number;
}

export async function fidelity(urls: string[], ours: Record<string, Buffer>, singleFile: Record<string, Buffer>): Promise<FidelityRow[]> {
  return withBrowser(async (browser) => {
    const rows: FidelityRow[] = [];
    for (const url of urls) {
      const live = await shoot(browser, url, null);
      const offline = `http://snapshot.invalid/${encodeURIComponent(url)}.html`;
      const score = async (html: Buffer | undefined) => (html ? matchingShare(live, await shoot(browser, offline, html)) : null);
      rows.push({ url, ours: await score(ours[url]), singleFile: await score(singleFile[url]), liveHeight: live.height });
    }
    return rows;
  });
}
