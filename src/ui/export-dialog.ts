/**
 * The export dialog other pages mount (the export page, the library): a summary of the selection,
 * the encryption choice (none / age recipients / passphrase), a progress bar and a cancel button.
 * It calls `run` (normally exportFromStore) and saves the result. DOM calls and textContent only.
 */
import type { AgeOptions } from '../crypto/age';
import type { ExportProgress } from '../bundle/export';
import { exportFromStore, type ExportSelection } from '../bundle/export-store';
import { opfsPartsWriter, opfsSink, releaseAfterDownload, releaseExportBlob } from '../bundle/opfs-sink';
import { holdCaptureFiles } from '../store/artifacts';
import { removeDeletedFiles } from '../store/packs';
import type { EvidenceDB } from '../store/db';
import { t } from './i18n';

export interface ExportRunOptions {
  age?: AgeOptions;
  onProgress: (p: ExportProgress) => void;
  signal: AbortSignal;
}

export interface ExportRunResult {
  blob: Blob;
  fileName: string;
  manifestSha256: string;
}

export interface ExportDialogOptions {
  summary: { captures: number; bytes: number };
  run(opts: ExportRunOptions): Promise<ExportRunResult>;
  /** Saves the bundle; defaults to a download through an object URL (no copy of the Blob). */
  save?(blob: Blob, fileName: string): void;
  onDone?(result: ExportRunResult): void;
}

export const MIN_EXPORT_PASSPHRASE = 10;
const AGE_RECIPIENT = /^age1[0-9a-z]{20,}$/;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

/** Downloads the Blob; an exported bundle's OPFS file is deleted once the download has read it. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  releaseExportBlob(blob, url);
}

/** Parses the recipients box: one `age1…` per line; blank lines and `#` comments are ignored. */
export function parseRecipients(text: string): { recipients: string[]; invalid: string | null } {
  const recipients: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    if (!AGE_RECIPIENT.test(line)) return { recipients, invalid: line };
    recipients.push(line);
  }
  return { recipients, invalid: null };
}

/**
 * exportFromStore, holding the capture files (holdCaptureFiles) until the bundle has been
 * downloaded: a composed bundle reads them only then, so a capture deleted meanwhile keeps its
 * file until that moment, and it is removed after. Pages pass the result to saveBlob.
 */
export async function exportHoldingFiles(db: EvidenceDB, sel: ExportSelection, opts: Parameters<typeof exportFromStore>[2]): Promise<Awaited<ReturnType<typeof exportFromStore>>> {
  const release = await holdCaptureFiles();
  const done = (): void => {
    void release().then(() => removeDeletedFiles(db));
  };
  try {
    const result = await exportFromStore(db, sel, { ...opts, sink: opfsSink, partsWriter: opfsPartsWriter });
    releaseAfterDownload(result.blob, done);
    return result;
  } catch (e) {
    done();
    throw e;
  }
}

/** The usual `run`: export the selection from the store with the profile's key (exportHoldingFiles). */
export function storeExportRunner(db: EvidenceDB, sel: ExportSelection): ExportDialogOptions['run'] {
  return (o) => exportHoldingFiles(db, sel, o);
}

export function mountExportDialog(root: HTMLElement, opts: ExportDialogOptions): { cancel(): void } {
  const mode = (v: string, label: string, checked = false): [HTMLLabelElement, HTMLInputElement] => {
    const input = el('input', { type: 'radio', name: 'export-encrypt', value: v, 'data-testid': `export-mode-${v}` });
    input.checked = checked;
    const l = el('label');
    l.append(input, document.createTextNode(` ${label}`));
    return [l, input];
  };
  const [noneL, none] = mode('none', t('exportEncryptNone'), true);
  const [recL, rec] = mode('recipients', t('exportEncryptRecipients'));
  const [passL, pass] = mode('passphrase', t('exportEncryptPassphrase'));
  const recipients = el('textarea', { rows: '3', cols: '64', spellcheck: 'false', placeholder: 'age1…', 'data-testid': 'export-recipients', 'aria-label': t('exportRecipientsLabel') });
  const passphrase = el('input', { type: 'password', autocomplete: 'new-password', 'data-testid': 'export-passphrase', 'aria-label': t('exportPassphraseLabel') });
  const start = el('button', { type: 'button', class: 'primary', 'data-testid': 'export-start' }, t('exportStart'));
  const cancel = el('button', { type: 'button', 'data-testid': 'export-cancel' }, t('exportCancel'));
  const progress = el('progress', { max: '100', value: '0', 'data-testid': 'export-progress' });
  const status = el('p', { role: 'status', 'aria-live': 'polite', 'data-testid': 'export-status' });
  cancel.disabled = true;
  progress.hidden = true;

  const recBox = el('div');
  recBox.append(el('span', {}, t('exportRecipientsLabel')), document.createElement('br'), recipients);
  const passBox = el('div');
  passBox.append(el('span', {}, t('exportPassphraseLabel')), document.createElement('br'), passphrase);
  const fieldset = el('fieldset');
  fieldset.append(el('legend', {}, t('exportEncryptHeading')), noneL, document.createElement('br'), recL, recBox, passL, passBox, el('p', { class: 'muted' }, t('exportEncryptNote')));
  const buttons = el('p');
  buttons.append(start, document.createTextNode(' '), cancel);
  root.replaceChildren(
    el('h2', {}, t('exportHeading')),
    el('p', { 'data-testid': 'export-summary' }, t('exportSummary', [String(opts.summary.captures), formatBytes(opts.summary.bytes)])),
    fieldset,
    buttons,
    progress,
    status,
  );

  const sync = (): void => {
    recBox.hidden = !rec.checked;
    passBox.hidden = !pass.checked;
  };
  for (const r of [none, rec, pass]) r.addEventListener('change', sync);
  sync();

  let ac: AbortController | null = null;
  const fail = (msg: string): void => {
    status.className = 'bad';
    status.textContent = msg;
  };

  start.addEventListener('click', () => {
    let age: AgeOptions | undefined;
    if (rec.checked) {
      const { recipients: list, invalid } = parseRecipients(recipients.value);
      if (invalid !== null || !list.length) return fail(t('exportRecipientsInvalid', invalid ?? ''));
      age = { recipients: list };
    } else if (pass.checked) {
      if (passphrase.value.length < MIN_EXPORT_PASSPHRASE) return fail(t('exportPassphraseShort'));
      age = { passphrase: passphrase.value };
    }
    ac = new AbortController();
    start.disabled = true;
    cancel.disabled = false;
    fieldset.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.className = '';
    status.textContent = t('exportPreparing');
    const onProgress = (p: ExportProgress): void => {
      progress.value = Math.round(p.percent);
      if (p.phase === 'zip') status.textContent = t('exportProgress', [String(Math.round(p.percent)), p.currentFile ?? '']);
    };
    opts
      .run({ ...(age ? { age } : {}), onProgress, signal: ac.signal })
      .then((res) => {
        (opts.save ?? saveBlob)(res.blob, res.fileName);
        status.className = 'ok';
        status.textContent = t('exportDone', [res.fileName, res.manifestSha256]);
        passphrase.value = '';
        opts.onDone?.(res);
      })
      .catch((e: Error) => {
        if (e.name === 'AbortError') {
          status.className = 'warn';
          status.textContent = t('exportCancelled');
        } else fail(t('exportFailed', e.message));
      })
      .finally(() => {
        ac = null;
        start.disabled = false;
        cancel.disabled = true;
        fieldset.disabled = false;
      });
  });
  const doCancel = (): void => ac?.abort();
  cancel.addEventListener('click', doCancel);
  return { cancel: doCancel };
}
