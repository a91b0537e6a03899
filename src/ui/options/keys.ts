/**
 * Signing-key section of the options page: fingerprint, self-asserted name, public key export,
 * passphrase backup and restore (age + scrypt), rotation with the earlier public keys listed.
 * Built with DOM calls and textContent only.
 */
import { formatFingerprint, toPem } from '../../crypto/ecdsa';
import { getOrCreateIdentity, installRestoredIdentity, rotateIdentity, setSignerName } from '../../crypto/identity-store';
import { MIN_BACKUP_PASSPHRASE, backupIdentity, restoreIdentity, type StoredIdentity } from '../../crypto/keys';
import { getDb, type EvidenceDB } from '../../store/db';
import { t } from '../i18n';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function labelled(text: string, input: HTMLElement): HTMLLabelElement {
  const l = el('label', { class: 'field' });
  l.append(el('span', {}, text), document.createElement('br'), input);
  return l;
}

/** Saves bytes as a file through a temporary object URL. */
export function downloadBytes(bytes: Uint8Array | string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = el('a', { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface KeySectionOptions {
  db?: EvidenceDB;
  /** For tests: replaces window.confirm. */
  confirm?: (message: string) => boolean;
  /** For tests: replaces the download. */
  download?: typeof downloadBytes;
}

/** Fills `root`; resolves once the key (made on first use) is shown. */
export async function mountKeySection(root: HTMLElement, opts: KeySectionOptions = {}): Promise<void> {
  const db = opts.db ?? getDb();
  const confirm = opts.confirm ?? ((m: string) => window.confirm(m));
  const download = opts.download ?? downloadBytes;
  let id: StoredIdentity = await getOrCreateIdentity(db);

  const fingerprint = el('code', { 'data-testid': 'key-fingerprint', class: 'mono' });
  const created = el('p', { class: 'muted', 'data-testid': 'key-created' });
  const name = el('input', { type: 'text', size: '40', maxlength: '200', placeholder: t('keysNamePlaceholder'), 'data-testid': 'key-name' });
  const saveName = el('button', { type: 'button', 'data-testid': 'key-name-save' }, t('keysNameSave'));
  const exportPub = el('button', { type: 'button', 'data-testid': 'key-export-public' }, t('keysExportPublic'));

  const pass1 = el('input', { type: 'password', autocomplete: 'new-password', 'data-testid': 'key-backup-pass' });
  const pass2 = el('input', { type: 'password', autocomplete: 'new-password', 'data-testid': 'key-backup-pass2' });
  const backup = el('button', { type: 'button', 'data-testid': 'key-backup' }, t('keysBackup'));
  const restoreFile = el('input', { type: 'file', accept: '.age,application/octet-stream', 'data-testid': 'key-restore-file' });
  const restorePass = el('input', { type: 'password', autocomplete: 'current-password', 'data-testid': 'key-restore-pass' });
  const restore = el('button', { type: 'button', 'data-testid': 'key-restore' }, t('keysRestore'));
  const rotate = el('button', { type: 'button', 'data-testid': 'key-rotate' }, t('keysRotate'));
  const oldList = el('ul', { 'data-testid': 'key-old-list' });
  const status = el('p', { role: 'status', 'aria-live': 'polite', 'data-testid': 'key-status' });

  const fpRow = el('p');
  fpRow.append(el('strong', {}, t('keysFingerprint')), document.createElement('br'), fingerprint);
  const nameRow = el('p');
  nameRow.append(labelled(t('keysNameLabel'), name), document.createTextNode(' '), saveName);
  const backupRow = el('p');
  backupRow.append(labelled(t('keysPassphrase'), pass1), document.createTextNode(' '), labelled(t('keysPassphraseRepeat'), pass2), document.createTextNode(' '), backup);
  const restoreRow = el('p');
  restoreRow.append(labelled(t('keysRestoreFile'), restoreFile), document.createTextNode(' '), labelled(t('keysPassphrase'), restorePass), document.createTextNode(' '), restore);

  root.replaceChildren(
    el('h2', {}, t('keysHeading')),
    el('p', { class: 'muted' }, t('keysExplain')),
    fpRow,
    created,
    nameRow,
    el('p', {}, ''),
    exportPub,
    el('h3', {}, t('keysBackupHeading')),
    el('p', { class: 'muted' }, t('keysBackupExplain')),
    backupRow,
    restoreRow,
    el('h3', {}, t('keysRotateHeading')),
    el('p', { class: 'muted' }, t('keysRotateExplain')),
    rotate,
    el('h3', {}, t('keysOldHeading')),
    oldList,
    status,
  );

  const render = (): void => {
    fingerprint.textContent = formatFingerprint(id.fingerprint);
    created.textContent = t('keysCreated', id.created);
    name.value = id.name ?? '';
    oldList.replaceChildren();
    if (!id.oldKeys.length) oldList.append(el('li', { class: 'muted' }, t('keysOldNone')));
    for (const k of id.oldKeys) oldList.append(el('li', { class: 'mono' }, t('keysOldItem', [formatFingerprint(k.fingerprint), k.created, k.retired])));
  };

  const busy = async (work: () => Promise<string | null>): Promise<void> => {
    const buttons = [saveName, exportPub, backup, restore, rotate];
    for (const b of buttons) b.disabled = true;
    status.className = '';
    status.textContent = t('keysWorking');
    try {
      const msg = await work();
      status.textContent = msg ?? '';
    } catch (e) {
      status.className = 'bad';
      status.textContent = t('keysError', (e as Error).message);
    } finally {
      for (const b of buttons) b.disabled = false;
      render();
    }
  };

  saveName.addEventListener('click', () =>
    void busy(async () => {
      id = await setSignerName(db, name.value);
      return t('keysNameSaved');
    }),
  );
  exportPub.addEventListener('click', () => {
    download(toPem(id.spki, 'PUBLIC KEY'), `jianzheng-public-key-${id.fingerprint.slice(0, 16)}.pem`, 'application/x-pem-file');
  });
  backup.addEventListener('click', () =>
    void busy(async () => {
      if (pass1.value !== pass2.value) throw new Error(t('keysPassphraseMismatch'));
      if (pass1.value.length < MIN_BACKUP_PASSPHRASE) throw new Error(t('keysPassphrase'));
      const file = await backupIdentity(id, pass1.value);
      download(file, `jianzheng-key-${id.fingerprint.slice(0, 16)}.age`, 'application/octet-stream');
      pass1.value = pass2.value = '';
      return t('keysBackupDone');
    }),
  );
  restore.addEventListener('click', () =>
    void busy(async () => {
      const f = restoreFile.files?.[0];
      if (!f) throw new Error(t('keysRestoreFile'));
      const restored = await restoreIdentity(new Uint8Array(await f.arrayBuffer()), restorePass.value);
      if (!confirm(t('keysRestoreConfirm'))) return null;
      id = await installRestoredIdentity(db, restored);
      restorePass.value = '';
      return t('keysRestored', formatFingerprint(id.fingerprint));
    }),
  );
  rotate.addEventListener('click', () =>
    void busy(async () => {
      if (!confirm(t('keysRotateConfirm'))) return null;
      id = await rotateIdentity(db);
      return t('keysRotated', formatFingerprint(id.fingerprint));
    }),
  );
  render();
}
