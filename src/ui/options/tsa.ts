/**
 * Time-stamping-authority section of the options page: the list of authorities (add, remove,
 * restore defaults), the "no network calls" switch, the number of captures awaiting trusted time,
 * and "retry now". Settings live in the evidence store (kv 'tsa-settings') where the background's
 * queue reads them. Built with DOM calls and textContent only.
 */
import { getDb } from '../../store/db';
import type { EvidenceDB } from '../../store/db';
import { pendingTimestampCount, retryTimestampsNow, type StampOptions } from '../../timestamp/queue';
import { DEFAULT_TSA_URLS, getTsaSettings, normalizeTsaUrl, setTsaSettings, type TsaSettings } from '../../timestamp/settings';
import { t } from '../i18n';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface TsaSectionOptions {
  db?: EvidenceDB;
  /** For tests: how the retry reaches the authorities. */
  stamp?: StampOptions;
}

/** Fills `root`; resolves once the current settings are shown. */
export async function mountTsaSection(root: HTMLElement, opts: TsaSectionOptions = {}): Promise<void> {
  const db = opts.db ?? getDb();
  let settings: TsaSettings = await getTsaSettings(db);

  root.replaceChildren();
  root.append(el('h2', {}, t('tsaHeading')), el('p', { class: 'muted' }, t('tsaExplain')));

  const switchLabel = el('label');
  const enabled = el('input', { type: 'checkbox', 'data-testid': 'tsa-enabled' });
  switchLabel.append(enabled, document.createTextNode(` ${t('tsaEnabled')}`));
  const offNote = el('p', { class: 'warn', 'data-testid': 'tsa-off-note' }, t('tsaDisabledNote'));

  const list = el('ul', { 'data-testid': 'tsa-list' });
  const addForm = el('form', { 'data-testid': 'tsa-add-form' });
  const addInput = el('input', { type: 'url', placeholder: t('tsaAddPlaceholder'), 'data-testid': 'tsa-add-url', size: '40' });
  addForm.append(addInput, document.createTextNode(' '), el('button', { type: 'submit' }, t('tsaAdd')));
  const defaults = el('button', { type: 'button', 'data-testid': 'tsa-defaults' }, t('tsaRestoreDefaults'));

  const pending = el('p', { 'data-testid': 'tsa-pending' });
  const retry = el('button', { type: 'button', class: 'primary', 'data-testid': 'tsa-retry' }, t('tsaRetry'));
  const status = el('p', { role: 'status', 'aria-live': 'polite', 'data-testid': 'tsa-status' });

  const defaultsRow = el('p');
  defaultsRow.append(defaults);
  root.append(
    switchLabel,
    offNote,
    el('h3', {}, t('tsaListHeading')),
    list,
    addForm,
    defaultsRow,
    el('p', { class: 'muted' }, t('tsaRootsNote')),
    pending,
    retry,
    status,
  );

  const render = async (): Promise<void> => {
    enabled.checked = settings.enabled;
    offNote.hidden = settings.enabled;
    retry.disabled = !settings.enabled;
    list.replaceChildren();
    if (settings.urls.length === 0) list.append(el('li', { class: 'warn' }, t('tsaNone')));
    for (const url of settings.urls) {
      const li = el('li');
      const rm = el('button', { type: 'button', 'aria-label': t('tsaRemoveLabel', url) }, t('tsaRemove'));
      rm.addEventListener('click', () => void save({ ...settings, urls: settings.urls.filter((u) => u !== url) }));
      li.append(el('code', {}, url), document.createTextNode(' '), rm);
      list.append(li);
    }
    pending.textContent = t('tsaPending', String(await pendingTimestampCount(db)));
  };

  const save = async (next: TsaSettings): Promise<void> => {
    try {
      settings = await setTsaSettings(db, next);
      status.textContent = t('tsaSaved');
    } catch (e) {
      status.textContent = t('tsaError', e instanceof Error ? e.message : String(e));
    }
    await render();
  };

  enabled.addEventListener('change', () => void save({ ...settings, enabled: enabled.checked }));
  addForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const raw = addInput.value.trim();
    if (!raw) return;
    let url: string;
    try {
      url = normalizeTsaUrl(raw);
    } catch {
      status.textContent = t('tsaInvalidUrl', raw);
      return;
    }
    addInput.value = '';
    void save({ ...settings, urls: [...settings.urls, url] });
  });
  defaults.addEventListener('click', () => void save({ ...settings, urls: [...DEFAULT_TSA_URLS] }));
  retry.addEventListener('click', () => {
    retry.disabled = true;
    status.textContent = t('tsaRetrying');
    void retryTimestampsNow(db, settings, opts.stamp)
      .then((r) => {
        status.textContent = t('tsaRetryResult', [String(r.stamped), String(r.pending)]);
      })
      .catch((e: unknown) => {
        status.textContent = t('tsaError', e instanceof Error ? e.message : String(e));
      })
      .finally(() => void render());
  });

  await render();
}
