/**
 * Starts Firefox (ESR) with the built Firefox extension, driven over WebDriver BiDi by
 * puppeteer-core, for the Firefox end-to-end test.
 *
 * Firefox gives each extension a random moz-extension:// UUID per profile; the pref
 * extensions.webextensions.uuids pins ours so the test can open its pages. The machine has no
 * internet: the prefs below turn off everything that phones home, and send every host but
 * 127.0.0.1/localhost to a closed proxy port so that unknown hosts fail at once instead of
 * waiting on DNS.
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIREFOX_ADDON_ID = 'jianzheng@jianzheng.invalid';
/** Fixed for tests only; a user's profile keeps Firefox's random one. */
export const FIREFOX_EXTENSION_UUID = '6f1c8e8a-2b1d-4c53-9a57-5a3b7c1d0e42';
export const FIREFOX_EXTENSION_DIR = resolve(import.meta.dirname, '../../.output/firefox-mv3');

const CANDIDATES = ['/usr/bin/firefox-esr', '/usr/bin/firefox'];

export function findFirefox(): string {
  const choice = process.env.FIREFOX_PATH ?? CANDIDATES.find((p) => existsSync(p));
  if (!choice || !existsSync(choice)) throw new Error('No Firefox found (install firefox-esr or set FIREFOX_PATH).');
  return choice;
}

/** Offline and quiet: no telemetry, updates, remote settings, captive-portal or DoH probes. */
export const OFFLINE_PREFS: Record<string, unknown> = {
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': 'http://127.0.0.1:9/',
  'datareporting.usage.uploadEnabled': false,
  'browser.ping-centre.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'app.update.enabled': false,
  'app.update.auto': false,
  'app.shield.optoutstudies.enabled': false,
  'app.normandy.enabled': false,
  'extensions.getAddons.showPane': false,
  'extensions.htmlaboutaddons.recommendations.enabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'browser.discovery.enabled': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.aboutwelcome.enabled': false,
  'trailhead.firstrun.didSeeAboutWelcome': true,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.trr.mode': 5,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  'media.gmp-gmpopenh264.enabled': false,
  'media.gmp-widevinecdm.enabled': false,
  // Every host except the local fixture servers goes to a closed port: "unknown host" fails fast.
  'network.proxy.type': 1,
  'network.proxy.http': '127.0.0.1',
  'network.proxy.http_port': 9,
  'network.proxy.ssl': '127.0.0.1',
  'network.proxy.ssl_port': 9,
  'network.proxy.no_proxies_on': '127.0.0.1, localhost',
  'network.proxy.allow_hijacking_localhost': false,
};

export interface LaunchedFirefox {
  browser: Browser;
  /** moz-extension://<uuid>/ */
  origin: string;
  /** Opens an extension page such as "export.html". */
  openPage(path: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchFirefoxWithExtension(opts: { extensionDir?: string; headless?: boolean; prefs?: Record<string, unknown> } = {}): Promise<LaunchedFirefox> {
  const extensionDir = resolve(opts.extensionDir ?? FIREFOX_EXTENSION_DIR);
  if (!existsSync(join(extensionDir, 'manifest.json'))) throw new Error(`The Firefox extension is not built at ${extensionDir} (run npm run build:firefox).`);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: findFirefox(),
    headless: opts.headless ?? true,
    protocol: 'webDriverBiDi',
    // No viewport emulation: tabs the test opens must look like tabs a user opens (as for Chromium).
    defaultViewport: null,
    // Without system access WebDriver BiDi refuses to navigate a tab to a moz-extension:// page.
    args: ['--width=1280', '--height=800', '--remote-allow-system-access'],
    extraPrefsFirefox: {
      ...OFFLINE_PREFS,
      'extensions.webextensions.uuids': JSON.stringify({ [FIREFOX_ADDON_ID]: FIREFOX_EXTENSION_UUID }),
      ...opts.prefs,
    },
  });
  try {
    const id = await browser.installExtension(extensionDir);
    if (id !== FIREFOX_ADDON_ID) throw new Error(`Firefox installed the extension as ${id}, expected ${FIREFOX_ADDON_ID}.`);
  } catch (e) {
    await browser.close();
    throw e;
  }
  const origin = `moz-extension://${FIREFOX_EXTENSION_UUID}/`;
  return {
    browser,
    origin,
    async openPage(path) {
      const page = await browser.newPage();
      const url = origin + path;
      // Firefox's WebDriver BiDi sends no navigation events for extension pages (bug 1755014), so
      // page.goto would never resolve: start the navigation without waiting, then poll the page.
      const context = (page.mainFrame() as unknown as { _id: string })._id;
      await (browser as unknown as { connection: { send(method: string, params: object): Promise<unknown> } }).connection.send('browsingContext.navigate', { context, url, wait: 'none' });
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ready = await page.evaluate(() => `${location.href} ${document.readyState}`).catch(() => '');
        if (ready === `${url} complete`) return page;
        if (Date.now() > deadline) throw new Error(`${url} did not load in Firefox (last state: ${ready || 'none'}).`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => browser.close(),
  };
}
