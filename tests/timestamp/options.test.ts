import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { mergeLocale } from '../../src/ui/locales/merge';
import { mountTsaSection } from '../../src/ui/options/tsa';
import { EvidenceDB } from '../../src/store/db';
import { enqueueTimestamp } from '../../src/timestamp/queue';
import { DEFAULT_TSA_URLS, getTsaSettings } from '../../src/timestamp/settings';
import { canonicalJson, sha256Hex } from '../../src/crypto/hash';
import { startLocalTsa, type LocalTsa } from './local-tsa';

const en = mergeLocale('src/ui/locales', 'en');

describe('options: time-stamping authorities', () => {
  let tsa: LocalTsa;
  let win: ReturnType<typeof parseHTML>;
  beforeAll(async () => {
    tsa = await startLocalTsa();
    win = parseHTML('<!doctype html><html><body><section id="tsa"></section></body></html>');
    (globalThis as { document?: unknown }).document = win.document;
    // Real UI strings from the locale fragments, so a missing key shows up here.
    fakeBrowser.i18n.getMessage = ((key: string, subs?: string | string[]) => {
      const m = en[key]?.message;
      if (!m) return '';
      const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
      return m.replace(/\$(\d)/g, (_, n: string) => list[Number(n) - 1] ?? '');
    }) as typeof fakeBrowser.i18n.getMessage;
  });
  afterAll(async () => {
    delete (globalThis as { document?: unknown }).document;
    await tsa.close();
  });

  const settle = () => new Promise((r) => setTimeout(r, 50));

  it('lists, adds and removes authorities, switches the network off, and retries the queue', async () => {
    const db = new EvidenceDB(`jz-tso-${process.pid}`);
    const root = win.document.getElementById('tsa') as HTMLElement;
    await mountTsaSection(root, { db });
    const q = (id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement & HTMLInputElement;

    expect(root.textContent).toContain('Trusted time (RFC 3161 time-stamps)');
    expect([...q('tsa-list').querySelectorAll('code')].map((c) => c.textContent)).toEqual([...DEFAULT_TSA_URLS]);
    expect(q('tsa-enabled').checked).toBe(true);
    expect(q('tsa-pending').textContent).toBe('Captures awaiting trusted time: 0');

    // Add the local authority; a bad address is refused with a message.
    q('tsa-add-url').value = 'ftp://nope';
    q('tsa-add-form').dispatchEvent(new win.Event('submit', { cancelable: true }));
    expect(q('tsa-status').textContent).toBe('Not a valid http or https address: ftp://nope');
    q('tsa-add-url').value = tsa.url;
    q('tsa-add-form').dispatchEvent(new win.Event('submit', { cancelable: true }));
    await settle();
    expect((await getTsaSettings(db)).urls).toEqual([...DEFAULT_TSA_URLS, tsa.url]);

    // Remove every default one through its button.
    for (const url of DEFAULT_TSA_URLS) {
      const btn = root.querySelector(`button[aria-label="Remove ${url}"]`) as HTMLButtonElement;
      btn.dispatchEvent(new win.Event('click'));
      await settle();
    }
    expect((await getTsaSettings(db)).urls).toEqual([tsa.url]);

    // Off: saved, explained, retry disabled.
    q('tsa-enabled').checked = false;
    q('tsa-enabled').dispatchEvent(new win.Event('change'));
    await settle();
    expect((await getTsaSettings(db)).enabled).toBe(false);
    expect(q('tsa-off-note').hidden).toBe(false);
    expect((q('tsa-retry') as unknown as HTMLButtonElement).disabled).toBe(true);

    // A waiting capture; on again; "retry now" stamps it.
    const recordJson = canonicalJson({ id: 'o1' });
    await db.captures.add({
      id: 'o1', caseId: 'default', hash: await sha256Hex(recordJson), recordJson, url: 'https://example.org/', finalUrl: 'https://example.org/',
      capturedAt: new Date().toISOString(), title: null, site: 'example.org', platform: null, postStatus: null, tags: [], notes: [],
      trustedTime: 'none', artifacts: [], size: 0, deleted: 0,
    });
    await enqueueTimestamp(db, 'o1', { status: 'disabled', now: Date.now() + 3600_000 });
    q('tsa-enabled').checked = true;
    q('tsa-enabled').dispatchEvent(new win.Event('change'));
    await settle();
    expect(q('tsa-pending').textContent).toBe('Captures awaiting trusted time: 1');
    q('tsa-retry').dispatchEvent(new win.Event('click'));
    await expect.poll(() => q('tsa-status').textContent, { timeout: 10_000 }).toBe('Stamped 1; still waiting: 0.');
    expect(q('tsa-pending').textContent).toBe('Captures awaiting trusted time: 0');
    expect((await db.captures.get('o1'))!.trustedTime).toBe('stamped');
    db.close();
  });
});
