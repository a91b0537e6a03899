/**
 * The prologue the export and library benchmarks share: Chromium with the benchmark build, its
 * export.html control page, time-stamping off (no network during a measurement), and the seeder
 * (seed-entry.ts) loaded into that page.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { runJob } from '../../src/cli/capture';
import { launchWithExtension, type LaunchedBrowser } from '../../src/cli/launch';
import { benchExtensionDir, CHROMIUM } from './capture';
import { injectSeeder } from './inject';

/** The caller closes `browser`; on failure here it is closed before the error is thrown. */
export async function launchSeedableBrowser(): Promise<{ browser: LaunchedBrowser; control: Page }> {
  const browser = await launchWithExtension({ extensionDir: benchExtensionDir(), browserPath: CHROMIUM });
  try {
    const control = await browser.openPage('export.html');
    const cfg = await runJob(control, { type: 'jz-configure', jobId: randomUUID(), tsa: { enabled: false } });
    if (!cfg.ok) throw new Error(cfg.error);
    await injectSeeder(control);
    return { browser, control };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
