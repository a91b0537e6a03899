import 'fake-indexeddb/auto';
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { mergeLocale } from '../../src/ui/locales/merge';
import { mountKeySection } from '../../src/ui/options/keys';
import { mountExportDialog, parseRecipients, storeExportRunner, type ExportRunOptions } from '../../src/ui/export-dialog';
import { EvidenceDB } from '../../src/store/db';
import { appendEvent, readLedger } from '../../src/store/ledger-store';
import { formatFingerprint, toPem } from '../../src/crypto/ecdsa';
import { loadIdentity } from '../../src/crypto/identity-store';
import { verifyBundle } from '../../src/bundle/verify';
import { blobBytes, makeCapture } from './fixtures';

const en = mergeLocale('src/ui/locales', 'en');
const zh = mergeLocale('src/ui/locales', 'zh_CN');
let win: ReturnType<typeof parseHTML>;
const settle = () => new Promise((r) => setTimeout(r, 30));
const until = async (cond: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await settle();
  }
};

beforeAll(() => {
  win = parseHTML('<!doctype html><html><body><section id="keys"></section><section id="export"></section></body></html>');
  (globalThis as { document?: unknown }).document = win.document;
  fakeBrowser.i18n.getMessage = ((key: string, subs?: string | string[]) => {
    const m = en[key]?.message;
    if (!m) return '';
    const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
    return m.replace(/\$(\d)/g, (_, n: string) => list[Number(n) - 1] ?? '');
  }) as typeof fakeBrowser.i18n.getMessage;
});
afterAll(() => {
  delete (globalThis as { document?: unknown }).document;
});

describe('bundle UI strings', () => {
  it('has the same keys in English and Chinese', () => {
    const mine = (l: Record<string, unknown>) => Object.keys(l).filter((k) => /^(keys|export|verify)[A-Z]/.test(k)).sort();
    expect(mine(zh)).toEqual(mine(en));
    expect(mine(en).length).toBeGreaterThan(40);
  });
});

describe('options: signing key', () => {
  it('shows the fingerprint, saves the name, exports the public key, backs up and rotates', async () => {
    const db = new EvidenceDB(`ui-keys-${Math.random()}`);
    const root = win.document.getElementById('keys') as HTMLElement;
    const downloads: { name: string; bytes: Uint8Array | string }[] = [];
    let answer = false;
    await mountKeySection(root, { db, confirm: () => answer, download: (bytes, name) => void downloads.push({ name, bytes }) });
    const q = (id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement & HTMLInputElement;
    const id = (await loadIdentity(db))!;
    expect(q('key-fingerprint').textContent).toBe(formatFingerprint(id.fingerprint));
    expect(root.textContent).toContain('Signing key');

    q('key-name').value = '河南储户资料库';
    q('key-name-save').dispatchEvent(new win.Event('click'));
    await until(() => q('key-status').textContent === 'Name saved.');
    expect((await loadIdentity(db))!.name).toBe('河南储户资料库');

    q('key-export-public').dispatchEvent(new win.Event('click'));
    expect(downloads.at(-1)).toEqual({ name: `jianzheng-public-key-${id.fingerprint.slice(0, 16)}.pem`, bytes: toPem(id.spki, 'PUBLIC KEY') });

    q('key-backup-pass').value = 'a long passphrase 1';
    q('key-backup-pass2').value = 'a long passphrase 2';
    q('key-backup').dispatchEvent(new win.Event('click'));
    await until(() => q('key-status').textContent === 'Failed: The passphrases differ.');
    q('key-backup-pass2').value = 'a long passphrase 1';
    q('key-backup').dispatchEvent(new win.Event('click'));
    await until(() => q('key-status').textContent === 'Backup downloaded. Store it somewhere safe.');
    const backup = downloads.at(-1)!;
    expect(backup.name).toMatch(/^jianzheng-key-[0-9a-f]{16}\.age$/);
    expect(new TextDecoder().decode((backup.bytes as Uint8Array).subarray(0, 21))).toBe('age-encryption.org/v1');

    // Rotation asks first; declining changes nothing.
    q('key-rotate').dispatchEvent(new win.Event('click'));
    await until(() => !(q('key-rotate') as unknown as HTMLButtonElement).disabled);
    expect((await loadIdentity(db))!.fingerprint).toBe(id.fingerprint);
    answer = true;
    q('key-rotate').dispatchEvent(new win.Event('click'));
    await until(() => q('key-status').textContent!.startsWith('New key made: '));
    const next = (await loadIdentity(db))!;
    expect(next.fingerprint).not.toBe(id.fingerprint);
    expect(q('key-fingerprint').textContent).toBe(formatFingerprint(next.fingerprint));
    expect(q('key-old-list').textContent).toContain(formatFingerprint(id.fingerprint));
  }, 60_000);
});

describe('export dialog', () => {
  it('parses recipients', () => {
    const r = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
    expect(parseRecipients(`# team\n${r}\n\n`)).toEqual({ recipients: [r], invalid: null });
    expect(parseRecipients(`${r}\nssh-ed25519 AAAA`)).toEqual({ recipients: [r], invalid: 'ssh-ed25519 AAAA' });
  });

  it('validates the encryption choice, passes it on, shows progress and can cancel', async () => {
    const root = win.document.getElementById('export') as HTMLElement;
    const calls: ExportRunOptions[] = [];
    let release: (() => void) | null = null;
    mountExportDialog(root, {
      summary: { captures: 3, bytes: 5 * 1024 * 1024 },
      run: (o) => {
        calls.push(o);
        o.onProgress({ phase: 'zip', percent: 40, currentFile: 'captures/c1/snapshot.html' });
        return new Promise((resolve, reject) => {
          release = () => resolve({ blob: new Blob(['x']), fileName: 'b.zip.age', manifestSha256: 'ab'.repeat(32) });
          o.signal.addEventListener('abort', () => reject(Object.assign(new Error('export cancelled'), { name: 'AbortError' })));
        });
      },
      save: () => {},
    });
    const q = (id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement & HTMLInputElement;
    expect(q('export-summary').textContent).toBe('3 capture(s), 5.0 MB');

    q('export-mode-recipients').checked = true;
    q('export-mode-none').checked = false;
    q('export-recipients').value = 'not-a-key';
    q('export-start').dispatchEvent(new win.Event('click'));
    expect(q('export-status').textContent).toBe('Not an age recipient: not-a-key');
    expect(calls).toHaveLength(0);

    q('export-mode-recipients').checked = false;
    q('export-mode-passphrase').checked = true;
    q('export-passphrase').value = 'short';
    q('export-start').dispatchEvent(new win.Event('click'));
    expect(q('export-status').textContent).toBe('Use a passphrase of at least 10 characters.');

    q('export-passphrase').value = 'long enough passphrase';
    q('export-start').dispatchEvent(new win.Event('click'));
    expect(calls.at(-1)!.age).toEqual({ passphrase: 'long enough passphrase' });
    expect(q('export-status').textContent).toBe('Writing 40% — captures/c1/snapshot.html');
    q('export-cancel').dispatchEvent(new win.Event('click'));
    await until(() => q('export-status').textContent === 'Export cancelled.');

    q('export-start').dispatchEvent(new win.Event('click'));
    release!();
    await until(() => q('export-status').textContent!.startsWith('Exported b.zip.age'));
  });

  it('exports from the store through storeExportRunner and logs it', async () => {
    const db = new EvidenceDB(`ui-export-${Math.random()}`);
    const c = await makeCapture('u1');
    await db.transaction('rw', db.captures, db.blobs, db.ledger, async () => {
      await db.captures.put(c.row);
      for (const [path, data] of c.blobs) await db.blobs.put({ path, captureId: 'u1', data });
      await appendEvent(db, 'captured', 'u1', { hash: c.row.hash });
    });
    const root = win.document.getElementById('export') as HTMLElement;
    let saved: { blob: Blob; name: string } | null = null;
    mountExportDialog(root, { summary: { captures: 1, bytes: c.row.size }, run: storeExportRunner(db, { captureIds: ['u1'] }), save: (blob, name) => (saved = { blob, name }) });
    (root.querySelector('[data-testid="export-start"]') as HTMLElement).dispatchEvent(new win.Event('click'));
    await until(() => saved !== null);
    expect((await verifyBundle(await blobBytes(saved!.blob))).ok).toBe(true);
    expect((await readLedger(db)).at(-1)!.type).toBe('exported');
  });
});
