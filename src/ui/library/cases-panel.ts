/** Cases panel: create, rename, archive/restore; each a ledger event (see src/store/cases.ts). */
import type { EvidenceDB } from '../../store/db';
import { DEFAULT_CASE_ID } from '../../store/db';
import { archiveCase, createCase, listCases, renameCase } from '../../store/cases';
import { t } from '../i18n';
import { h, fmtTime } from './dom';
import { caseLabel } from './labels';
import { syncWatchFromPage } from './watch-panel';

export async function mountCasesPanel(el: HTMLElement, db: EvidenceDB, changed: () => void): Promise<void> {
  const err = h('p', { class: 'bad', role: 'alert', hidden: true });
  const run = async (fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
      changed();
      await syncWatchFromPage(db);
      await mountCasesPanel(el, db, changed);
    } catch (e) {
      err.hidden = false;
      err.textContent = e instanceof Error ? e.message : String(e);
    }
  };
  const cases = await listCases(db, { includeArchived: true });
  const counts = new Map<string, number>();
  for (const c of cases) counts.set(c.id, await db.captures.where('caseId').equals(c.id).filter((r) => !r.deleted).count());
  const nameIn = h('input', { type: 'text', placeholder: t('libNewCaseName'), 'aria-label': t('libNewCaseName'), testid: 'new-case-name' });
  el.replaceChildren(
    h('h2', { text: t('libPanelCases') }),
    h(
      'form',
      {
        class: 'lib-inline',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void run(() => createCase(db, nameIn.value));
        },
      },
      nameIn,
      h('button', { type: 'submit', class: 'primary', text: t('libCreateCase') }),
    ),
    h(
      'table',
      { class: 'lib-table' },
      h('thead', {}, h('tr', {}, ...['libColCase', 'libColCreated', 'libColCaptures', 'libColActions'].map((k) => h('th', { text: t(k) })))),
      h(
        'tbody',
        {},
        ...cases.map((c) =>
          h(
            'tr',
            { class: c.archived ? 'muted' : '' },
            h('td', { text: caseLabel(c) + (c.archived ? ` (${t('libArchived')})` : '') + (c.recording ? ` ● ${t('watchRecording')}` : '') }),
            h('td', { text: fmtTime(c.createdAt) }),
            h('td', { text: String(counts.get(c.id) ?? 0) }),
            h(
              'td',
              {},
              h('button', {
                type: 'button',
                class: 'lib-small',
                text: t('libRename'),
                onclick: () => {
                  const name = prompt(t('libRenamePrompt'), c.name);
                  if (name !== null) void run(() => renameCase(db, c.id, name));
                },
              }),
              c.id === DEFAULT_CASE_ID
                ? null
                : h('button', { type: 'button', class: 'lib-small', text: t(c.archived ? 'libRestore' : 'libArchive'), onclick: () => void run(() => archiveCase(db, c.id, !c.archived)) }),
            ),
          ),
        ),
      ),
    ),
    h('p', { class: 'muted', text: t('libCasesLedger') }),
    err,
  );
}
