/**
 * Starts Chromium with the built extension loaded, for the CLI and the end-to-end tests alike (one
 * implementation, so the tests exercise what users run).
 */
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const EXTENSION_ID = 'nlbbhhpehmbiidbgbelfgeldgdfifafn';
export const DEFAULT_EXTENSION_DIR = resolve(import.meta.dirname, '../../.output/chrome-mv3');

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'];

/** --browser-path, then $CHROMIUM_PATH, then the usual install locations. */
export function findBrowser(explicit?: string): string {
  const choice = explicit ?? process.env.CHROMIUM_PATH;
  if (choice) {
    if (!existsSync(choice)) throw new Error(`No browser at ${choice}.`);
    return choice;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error('No Chromium found. Install it (Debian: apt-get install chromium) or pass --browser-path / set CHROMIUM_PATH.');
  return found;
}

export interface LaunchOptions {
  extensionDir?: string;
  /** Browser profile folder; a fresh temporary one (deleted on close) when absent. */
  profileDir?: string;
  browserPath?: string;
  browserArgs?: string[];
  proxy?: string;
  ignoreHttpsErrors?: boolean;
  headless?: boolean;
  windowSize?: { width: number; height: number };
  /** Chromium UI language, e.g. en-US or zh-CN. */
  lang?: string;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  extensionId: string;
  worker: Worker;
  profileDir: string;
  /** Opens an extension page such as "export.html". */
  openPage(path: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchWithExtension(opts: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const extensionDir = resolve(opts.extensionDir ?? DEFAULT_EXTENSION_DIR);
  if (!existsSync(join(extensionDir, 'manifest.json'))) throw new Error(`The extension is not built at ${extensionDir} (run npm run build).`);
  const temporary = !opts.profileDir;
  const profileDir = opts.profileDir ? resolve(opts.profileDir) : mkdtempSync(join(tmpdir(), 'jianzheng-profile-'));
  const size = opts.windowSize ?? { width: 1280, height: 800 };
  const args = [
    `--disable-extensions-except=${extensionDir}`,
    `--load-extension=${extensionDir}`,
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--no-first-run',
    '--no-default-browser-check',
    `--window-size=${size.width},${size.height}`,
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    ...(opts.ignoreHttpsErrors ? ['--ignore-certificate-errors'] : []),
    ...(opts.lang ? [`--lang=${opts.lang}`] : []),
    ...(opts.browserArgs ?? []),
  ];
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: findBrowser(opts.browserPath),
    headless: opts.headless ?? true,
    args,
    // No viewport emulation: tabs the extension opens must look exactly like tabs a user opens.
    viewport: null,
    ignoreHTTPSErrors: opts.ignoreHttpsErrors ?? false,
    acceptDownloads: true,
    ...(opts.lang ? { locale: opts.lang } : {}),
    ...(opts.proxy ? { proxy: { server: opts.proxy } } : {}),
  });
  try {
    const worker = context.serviceWorkers().find((w) => w.url().includes(EXTENSION_ID)) ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
    const extensionId = new URL(worker.url()).host;
    if (extensionId !== EXTENSION_ID) throw new Error(`Loaded extension has ID ${extensionId}, expected ${EXTENSION_ID}.`);
    return {
      context,
      extensionId,
      worker,
      profileDir,
      async openPage(path: string) {
        const page = await context.newPage();
        await page.goto(`chrome-extension://${extensionId}/${path}`);
        return page;
      },
      async close() {
        await context.close().catch(() => undefined);
        if (temporary) rmSync(profileDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context.close().catch(() => undefined);
    if (temporary) rmSync(profileDir, { recursive: true, force: true });
    throw e;
  }
}
