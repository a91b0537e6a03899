/**
 * Keyword watch and record mode settings: per case terms (with the Henan 2022 preset) and the
 * recording switch; for the whole watch the on/off switch, auto-capture, and allow/deny site lists.
 * After every change the content script registration is re-synced, so that pages are only touched
 * while the watch needs them.
 */
import type { EvidenceDB } from '../../store/db';
import { listCases, setCaseRecording, setCaseWatchTerms } from '../../store/cases';
import { syncWatchRegistration } from '../../watch/background';
import { HENAN_2022_PRESET } from '../../watch/presets';
import { getWatchSettings, setWatchSettings } from '../../watch/settings';
import { t } from '../i18n';
import { h, option } from './dom';
import { caseLabel } from './labels';

export async function syncWatchFromPage(db: EvidenceDB): Promise<void> {
  try {
    await syncWatchRegistration(db);
  } catch (e) {
    console.warn('watch registration', e);
  }
}

const lines = (s: string): string[] => s.split(/[\n,，、]+/u).map((x) => x.trim()).filter(Boolean);

export async function mountWatchPanel(el: HTMLElement, db: EvidenceDB, selectedCase?: string): Promise<void> {
  const settings = await getWatchSettings(db);
  const cases = await listCases(db);
  const current = cases.find((c) => c.id === selectedCase) ?? cases[0]!;
  const saved = h('span', { class: 'ok', role: 'status' });
  const after = async (): Promise<void> => {
    await syncWatchFromPage(db);
    saved.textContent = t('watchSaved');
  };

  const enabled = h('input', { type: 'checkbox', testid: 'watch-enabled' });
  enabled.checked = settings.enabled;
  enabled.addEventListener('change', () => void setWatchSettings(db, { enabled: enabled.checked }).then(after));
  const auto = h('input', { type: 'checkbox', testid: 'watch-autocapture' });
  auto.checked = settings.autoCapture;
  auto.addEventListener('change', () => void setWatchSettings(db, { autoCapture: auto.checked }).then(after));

  const caseSel = h('select', { 'aria-label': t('watchCase') }, ...cases.map((c) => option(c.id, caseLabel(c), c.id === current.id)));
  caseSel.addEventListener('change', () => void mountWatchPanel(el, db, caseSel.value));
  const terms = h('textarea', { rows: 6, testid: 'watch-terms', 'aria-label': t('watchTerms'), placeholder: t('watchTermsPlaceholder') });
  terms.value = (current.watchTerms ?? []).join('\n');
  const recording = h('input', { type: 'checkbox', testid: 'watch-recording' });
  recording.checked = current.recording === 1;
  recording.addEventListener('change', () => void setCaseRecording(db, current.id, recording.checked).then(after));

  const allow = h('textarea', { rows: 3, 'aria-label': t('watchAllow'), testid: 'watch-allow' });
  allow.value = settings.allowSites.join('\n');
  const deny = h('textarea', { rows: 3, 'aria-label': t('watchDeny'), testid: 'watch-deny' });
  deny.value = settings.denySites.join('\n');

  el.replaceChildren(
    h('h2', { text: t('libPanelWatch') }),
    h('p', { class: 'muted', text: t('watchExplain') }),
    h('label', { class: 'lib-check' }, enabled, ' ', t('watchEnabled')),
    h('label', { class: 'lib-check' }, auto, ' ', t('watchAutoCapture')),
    h('h3', { text: t('watchCase') }),
    caseSel,
    h('label', { class: 'lib-block' }, t('watchTerms'), terms),
    h(
      'div',
      { class: 'lib-inline' },
      h('button', {
        type: 'button',
        testid: 'watch-preset',
        text: t('watchAddPreset'),
        onclick: () => {
          terms.value = [...new Set([...lines(terms.value), ...HENAN_2022_PRESET])].join('\n');
        },
      }),
      h('button', {
        type: 'button',
        class: 'primary',
        testid: 'watch-save-terms',
        text: t('watchSaveTerms'),
        onclick: () => void setCaseWatchTerms(db, current.id, lines(terms.value)).then(after),
      }),
    ),
    h('label', { class: 'lib-check' }, recording, ' ', t('watchRecordMode')),
    h('p', { class: 'muted', text: t('watchRecordExplain') }),
    h('h3', { text: t('watchSites') }),
    h('label', { class: 'lib-block' }, t('watchAllow'), allow),
    h('label', { class: 'lib-block' }, t('watchDeny'), deny),
    h('button', {
      type: 'button',
      text: t('watchSaveSites'),
      onclick: () => void setWatchSettings(db, { allowSites: lines(allow.value), denySites: lines(deny.value) }).then(async (s) => {
        allow.value = s.allowSites.join('\n');
        deny.value = s.denySites.join('\n');
        await after();
      }),
    }),
    saved,
  );
}
