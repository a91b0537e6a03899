import { browser } from 'wxt/browser';
import { applyI18n, t } from '../i18n';
import { getDb } from '../../store/db';
import { getActiveCaseId } from '../../store/cases';
import { mountCasePicker } from '../case-picker';
import type { CaptureResult, CaptureStage, ProgressMessage } from '../../shared/messages';

const ORDER: CaptureStage[] = ['snapshot', 'screenshots', 'hashing', 'saving'];

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function showStage(stage: CaptureStage): void {
  const list = document.getElementById('stages')!;
  list.hidden = false;
  const mapped: CaptureStage = stage === 'mhtml' ? 'screenshots' : stage === 'timestamp' ? 'saving' : stage;
  const at = ORDER.indexOf(mapped);
  for (const li of Array.from(list.querySelectorAll<HTMLElement>('li'))) {
    const i = ORDER.indexOf(li.dataset.stage as CaptureStage);
    li.classList.toggle('done', stage === 'done' || (at >= 0 && i < at));
    li.classList.toggle('active', i === at && stage !== 'done');
  }
}

function showResult(r: CaptureResult): void {
  const box = document.getElementById('result')!;
  box.hidden = false;
  box.className = `result ${r.ok ? 'ok' : 'bad'}`;
  box.replaceChildren();
  if (r.ok) {
    const head = document.createElement('div');
    head.textContent = t('captureSaved');
    const hash = document.createElement('code');
    hash.dataset.testid = 'capture-hash';
    hash.title = r.capture.hash;
    hash.textContent = `${r.capture.hash.slice(0, 16)}…`;
    const size = document.createElement('div');
    size.className = 'muted';
    size.textContent = `${formatSize(r.capture.size)} · ${r.capture.artifacts.length} ${t('popupArtifacts')}`;
    box.append(head, hash, size);
    showStage('done');
  } else {
    box.textContent = r.error;
  }
}

async function renderLatest(): Promise<void> {
  const list = document.getElementById('latest')!;
  const rows = await getDb().captures.orderBy('capturedAt').reverse().filter((c) => !c.deleted).limit(8).toArray();
  list.replaceChildren(
    ...rows.map((c) => {
      const li = document.createElement('li');
      const title = document.createElement('span');
      title.className = 'title';
      title.textContent = c.title || c.url;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = `${new Date(c.capturedAt).toLocaleString()} · ${c.hash.slice(0, 10)} · ${formatSize(c.size)}`;
      li.append(title, meta);
      return li;
    }),
  );
  if (!rows.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = t('popupNoCaptures');
    list.append(li);
  }
}

async function capture(mode: 'page' | 'element'): Promise<void> {
  const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('.actions button'));
  buttons.forEach((b) => (b.disabled = true));
  document.getElementById('result')!.hidden = true;
  showStage('snapshot');
  try {
    const caseId = await getActiveCaseId(getDb());
    const result = (await browser.runtime.sendMessage({ type: 'capture-tab', options: { mode, caseId } })) as CaptureResult;
    showResult(result);
    await renderLatest();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

export function initPopup(): void {
  applyI18n();
  browser.runtime.onMessage.addListener((m: unknown) => {
    const msg = m as ProgressMessage;
    if (msg?.type === 'capture-progress') showStage(msg.stage);
    return undefined;
  });
  document.getElementById('capture')!.addEventListener('click', () => void capture('page'));
  document.getElementById('capture-post')!.addEventListener('click', () => {
    // The picker runs in the page; the popup closes when the user clicks there, the capture goes on.
    void capture('element');
  });
  document.getElementById('open-library')!.addEventListener('click', (e) => {
    e.preventDefault();
    void browser.tabs.create({ url: browser.runtime.getURL('/library.html') });
  });
  document.getElementById('open-options')!.addEventListener('click', (e) => {
    e.preventDefault();
    void browser.runtime.openOptionsPage();
  });
  void mountCasePicker(document.getElementById('case-picker')!);
  void renderLatest();
}
