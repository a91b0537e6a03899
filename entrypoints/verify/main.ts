/**
 * The Verify page: checks a dropped or chosen bundle with the shared verifier. The bundle's content
 * is never rendered or run: only the verifier's own messages are shown, as text.
 */
import { verifyBundle, type BundleCheck, type VerifyReport } from '../../src/bundle/verify';
import { timestampBundleCheck } from '../../src/timestamp/bundle';
import { loadShippedRoots } from '../../src/timestamp/settings';
import { formatFingerprint } from '../../src/crypto/ecdsa';
import { applyI18n, t } from '../../src/ui/i18n';

applyI18n();

const drop = document.getElementById('drop')!;
const input = document.getElementById('file') as HTMLInputElement;
const progress = document.getElementById('progress')!;
const summary = document.getElementById('summary')!;
const signer = document.getElementById('signer')!;
const list = document.getElementById('checks')!;

function show(report: VerifyReport): void {
  const failed = report.checks.filter((c) => !c.ok).length;
  summary.className = report.ok ? 'ok' : 'bad';
  summary.textContent = report.ok ? t('verifyOk', String(report.checks.length)) : t('verifyFailed', [String(failed), String(report.checks.length)]);
  const s = report.manifest?.signer;
  signer.textContent = s && report.checks.some((c) => c.id === 'signer' && c.ok) ? t('verifySigner', [formatFingerprint(s.fingerprint), s.name ?? '—']) : '';
  // Failures first, so that what is wrong is seen before the long list of passing files.
  const ordered = [...report.checks.filter((c) => !c.ok), ...report.checks.filter((c) => c.ok)];
  list.replaceChildren(
    ...ordered.map((c) => {
      const li = document.createElement('li');
      li.dataset.check = c.id;
      li.dataset.ok = String(c.ok);
      const tag = document.createElement('span');
      tag.className = `tag ${c.ok ? (c.warning ? 'warn' : 'ok') : 'bad'}`;
      tag.textContent = c.ok ? (c.warning ? t('verifyCheckWarn') : t('verifyCheckOk')) : t('verifyCheckFail');
      const id = document.createElement('code');
      id.textContent = ` ${c.id} `;
      li.append(tag, id, document.createTextNode(c.message));
      return li;
    }),
  );
}

/** RFC 3161 tokens are checked against the TSA roots shipped with the extension. */
async function timestampChecks(): Promise<BundleCheck[]> {
  try {
    return [timestampBundleCheck({ roots: await loadShippedRoots() })];
  } catch (e) {
    const message = `time-stamps not checked: the shipped TSA roots could not be read (${(e as Error).message})`;
    return [{ name: 'timestamps', run: async () => [{ id: 'timestamp', ok: false, message }] }];
  }
}

async function check(file: File): Promise<void> {
  summary.textContent = '';
  summary.className = '';
  signer.textContent = '';
  list.replaceChildren();
  if (file.name.endsWith('.age')) {
    progress.textContent = t('verifyEncrypted', file.name);
    return;
  }
  try {
    // A File is a Blob: the verifier reads entries by slices, never the whole zip at once.
    const report = await verifyBundle(file, {
      extraChecks: await timestampChecks(),
      onProgress: (done, total) => (progress.textContent = t('verifyWorking', [String(done), String(total)])),
    });
    progress.textContent = '';
    show(report);
  } catch (e) {
    progress.textContent = t('verifyError', (e as Error).message);
  }
}

input.addEventListener('change', () => {
  const f = input.files?.[0];
  if (f) void check(f);
});
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) void check(f);
});
// A file dropped anywhere else must not make the browser navigate to (and render) it.
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());
