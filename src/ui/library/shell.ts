/**
 * The library page's frame (header, filter bar, list) and its rows: what the first paint needs.
 * It is in the initial chunk with first-page.ts; page.ts (loaded on demand) wires the behaviour.
 * No Dexie, search or detail code may be imported from here.
 */
import type { CaseRow, ListRow } from '../../store/schema';
import { t } from './msg';
import { h, option, fmtTime } from './dom';
import { caseLabel, platformLabel, trustedLabel } from './labels';

export interface LibraryShell {
  root: HTMLElement;
  status: HTMLElement;
  search: HTMLInputElement;
  caseSel: HTMLSelectElement;
  siteSel: HTMLSelectElement;
  platformSel: HTMLSelectElement;
  tagSel: HTMLSelectElement;
  statusSel: HTMLSelectElement;
  fromIn: HTMLInputElement;
  toIn: HTMLInputElement;
  sortSel: HTMLSelectElement;
  exportBtn: HTMLButtonElement;
  list: HTMLElement;
  noResults: HTMLElement;
  more: HTMLButtonElement;
  listView: HTMLElement;
  detailView: HTMLElement;
  /** Cases, watch and storage panels: their buttons are drawn now, their code loads when opened. */
  panels: { key: PanelKey; button: HTMLButtonElement; el: HTMLElement }[];
}

export const PANEL_KEYS = ['libPanelCases', 'libPanelWatch', 'libPanelStorage'] as const;
export type PanelKey = (typeof PANEL_KEYS)[number];

export function buildShell(root: HTMLElement): LibraryShell {
  const status = h('div', { class: 'lib-status muted', role: 'status', 'aria-live': 'polite' });
  const search = h('input', {
    type: 'search',
    class: 'lib-search',
    testid: 'search',
    placeholder: t('libSearchPlaceholder'),
    'aria-label': t('libSearchPlaceholder'),
    autocomplete: 'off',
    spellcheck: 'false',
  });
  // The case, site, platform and tag menus get their choices once page.ts has loaded; until then
  // they offer "all", which is what the first page shows.
  const caseSel = h('select', { 'aria-label': t('libFilterCase'), testid: 'filter-case' }, option('', t('libAllCases')));
  const siteSel = h('select', { 'aria-label': t('libFilterSite'), testid: 'filter-site' }, option('', t('libAllSites')));
  const platformSel = h('select', { 'aria-label': t('libFilterPlatform'), testid: 'filter-platform' }, option('', t('libAllPlatforms')));
  const tagSel = h('select', { 'aria-label': t('libFilterTag'), testid: 'filter-tag' }, option('', t('libAllTags')));
  const statusSel = h('select', { 'aria-label': t('libFilterTrusted'), testid: 'filter-trusted' });
  const fromIn = h('input', { type: 'date', 'aria-label': t('libFilterFrom'), title: t('libFilterFrom') });
  const toIn = h('input', { type: 'date', 'aria-label': t('libFilterTo'), title: t('libFilterTo') });
  const sortSel = h('select', { 'aria-label': t('libSort'), testid: 'sort' });
  for (const k of ['time-desc', 'time-asc', 'title', 'site'] as const) sortSel.append(option(k, t(`libSort_${k.replace('-', '_')}`)));
  for (const s of ['', 'stamped', 'pending', 'none', 'disabled']) statusSel.append(option(s, s ? trustedLabel(s) : t('libAnyTrusted')));
  // Disabled until page.ts wires it (it needs the listed ids).
  const exportBtn = h('button', { type: 'button', class: 'primary', text: t('libExport'), testid: 'export-captures', disabled: true });

  const list = h('div', { class: 'lib-list', role: 'list', testid: 'capture-list' });
  const noResults = h('p', { class: 'lib-empty muted', testid: 'no-results', hidden: true, text: t('libNoResults') });
  const more = h('button', { type: 'button', hidden: true, text: t('libLoadMore'), testid: 'load-more' });
  const listView = h(
    'section',
    { class: 'lib-list-view' },
    h('div', { class: 'lib-filters' }, search, caseSel, siteSel, platformSel, tagSel, statusSel, fromIn, toIn, sortSel, exportBtn),
    status,
    list,
    noResults,
    more,
  );
  const detailView = h('section', { class: 'lib-detail-view', hidden: true, testid: 'detail-view' });
  const panels = PANEL_KEYS.map((key) => ({
    key,
    button: h('button', { type: 'button', text: t(key), 'aria-expanded': 'false' }),
    el: h('div', { class: 'lib-panel', hidden: true }),
  }));
  root.replaceChildren(
    h('header', { class: 'lib-header' }, h('h1', { text: t('libTitle') }), h('nav', { class: 'lib-nav' }, ...panels.map((p) => p.button))),
    h('div', { class: 'lib-panels' }, ...panels.map((p) => p.el)),
    listView,
    detailView,
  );
  return { root, status, search, caseSel, siteSel, platformSel, tagSel, statusSel, fromIn, toIn, sortSel, exportBtn, list, noResults, more, listView, detailView, panels };
}

/** One list row. The thumbnail is filled later (page.ts loadThumbs), after the rows are visible. */
export function renderItem(row: ListRow, cases: readonly CaseRow[]): HTMLElement {
  const c = cases.find((x) => x.id === row.caseId);
  const img = h('img', { class: 'lib-thumb', alt: '', loading: 'lazy', 'data-capture': row.id });
  return h(
    'a',
    { class: 'lib-item', role: 'listitem', testid: 'capture-item', href: `#capture=${encodeURIComponent(row.id)}`, 'data-id': row.id },
    img,
    h(
      'div',
      { class: 'lib-item-main' },
      // elementtiming: the browser records when this text was first painted (Element Timing API),
      // which is how the benchmark times the first page without racing the page.
      h('div', { class: 'lib-item-title', text: row.title || row.url, elementtiming: 'capture-item' }),
      h(
        'div',
        { class: 'lib-item-meta muted' },
        h('span', { text: row.site }),
        h('span', { text: platformLabel(row.platform) }),
        h('time', { datetime: row.capturedAt, text: fmtTime(row.capturedAt) }),
        c ? h('span', { text: caseLabel(c) }) : null,
        row.postStatus && row.postStatus !== 'available' ? h('span', { class: 'bad', text: t(`libPostStatus_${row.postStatus}`) }) : null,
      ),
      h('div', { class: 'lib-item-tags' }, ...row.tags.map((tag) => h('span', { class: 'lib-tag', text: tag }))),
    ),
    h('span', { class: `lib-trusted lib-trusted-${row.trustedTime}`, text: trustedLabel(row.trustedTime), testid: 'trusted-status' }),
  );
}

export interface ShownList {
  rows: readonly ListRow[];
  more: boolean;
}

/** Replaces the list with these rows (one DOM write) and sets the empty/more indicators. */
export function showRows(shell: LibraryShell, res: ShownList, cases: readonly CaseRow[]): void {
  const frag = document.createDocumentFragment();
  for (const row of res.rows) frag.append(renderItem(row, cases));
  shell.list.replaceChildren(frag);
  shell.noResults.hidden = res.rows.length > 0;
  shell.more.hidden = !res.more;
}
