/**
 * The library page: header with panels (cases, watch, storage), filter bar with live search, the
 * capture list (first page from an indexed query, "load more" for the next), and the detail view
 * (#capture=<id>).
 */
import { artifactPath } from '../../bundle/format';
import { getDb, type EvidenceDB } from '../../store/db';
import { allTags } from '../../store/annotations';
import { ensureDefaultCase, listCases } from '../../store/cases';
import type { CaptureRow, CaseRow } from '../../store/schema';
import { getSearchDb, syncIndex } from '../../search/index';
import { t } from '../i18n';
import { h, clear, option, fmtTime, UrlPool } from './dom';
import { EMPTY_FILTERS, PAGE_SIZE, filterChoices, listCaptures, type LibraryFilters, type SortKey } from './model';
import { renderDetail } from './detail';
import { mountCasesPanel } from './cases-panel';
import { mountWatchPanel } from './watch-panel';
import { mountStoragePanel } from './storage-panel';
import { caseLabel, platformLabel, trustedLabel } from './labels';

/** Delay after the last keystroke before searching: keeps typing smooth on large libraries. */
const SEARCH_DEBOUNCE_MS = 120;


export async function mountLibrary(root: HTMLElement, db: EvidenceDB = getDb()): Promise<void> {
  performance.mark('jz-library-start');
  await ensureDefaultCase(db);
  const sdb = getSearchDb();
  const filters: LibraryFilters = { ...EMPTY_FILTERS };
  let sort: SortKey = 'time-desc';
  let limit = PAGE_SIZE;
  let cases: CaseRow[] = [];
  let renderSeq = 0;
  const thumbs = new UrlPool();

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
  const caseSel = h('select', { 'aria-label': t('libFilterCase'), testid: 'filter-case' });
  const siteSel = h('select', { 'aria-label': t('libFilterSite'), testid: 'filter-site' });
  const platformSel = h('select', { 'aria-label': t('libFilterPlatform'), testid: 'filter-platform' });
  const tagSel = h('select', { 'aria-label': t('libFilterTag'), testid: 'filter-tag' });
  const statusSel = h('select', { 'aria-label': t('libFilterTrusted'), testid: 'filter-trusted' });
  const fromIn = h('input', { type: 'date', 'aria-label': t('libFilterFrom'), title: t('libFilterFrom') });
  const toIn = h('input', { type: 'date', 'aria-label': t('libFilterTo'), title: t('libFilterTo') });
  const sortSel = h('select', { 'aria-label': t('libSort'), testid: 'sort' });
  for (const k of ['time-desc', 'time-asc', 'title', 'site'] as const) sortSel.append(option(k, t(`libSort_${k.replace('-', '_')}`)));
  for (const s of ['', 'stamped', 'pending', 'none', 'disabled']) statusSel.append(option(s, s ? trustedLabel(s) : t('libAnyTrusted')));

  const list = h('div', { class: 'lib-list', role: 'list', testid: 'capture-list' });
  const noResults = h('p', { class: 'lib-empty muted', testid: 'no-results', hidden: true, text: t('libNoResults') });
  const more = h('button', { type: 'button', hidden: true, text: t('libLoadMore'), testid: 'load-more' });
  // Export: the filtered case as a whole when one is chosen, else the captures listed now. The
  // export page (export dialog: encryption, progress, cancel) does the work.
  let shownIds: string[] = [];
  const exportBtn = h('button', {
    type: 'button',
    class: 'primary',
    text: t('libExport'),
    testid: 'export-captures',
    onclick: () => {
      const onlyCase = filters.caseId && !filters.query.trim() && !filters.site && !filters.platform && !filters.tag && !filters.trustedTime && !filters.from && !filters.to;
      const query = onlyCase ? `case=${encodeURIComponent(filters.caseId!)}` : `ids=${shownIds.map(encodeURIComponent).join(',')}`;
      if (filters.caseId || shownIds.length) window.open(`/export.html?${query}`, '_blank', 'noopener');
    },
  });
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
  const panels = h('div', { class: 'lib-panels' });
  const panelButtons = h('nav', { class: 'lib-nav' });
  root.replaceChildren(h('header', { class: 'lib-header' }, h('h1', { text: t('libTitle') }), panelButtons), panels, listView, detailView);

  const panelDefs: [string, (el: HTMLElement) => Promise<void>][] = [
    ['libPanelCases', (el) => mountCasesPanel(el, db, () => void refreshChoices())],
    ['libPanelWatch', (el) => mountWatchPanel(el, db)],
    ['libPanelStorage', (el) => mountStoragePanel(el, db)],
  ];
  for (const [key, mount] of panelDefs) {
    const el = h('div', { class: 'lib-panel', hidden: true });
    panels.append(el);
    const btn = h('button', { type: 'button', text: t(key), 'aria-expanded': 'false' });
    btn.addEventListener('click', () => {
      const open = el.hidden;
      el.hidden = !open;
      btn.setAttribute('aria-expanded', String(open));
      if (open) void mount(el);
    });
    panelButtons.append(btn);
  }

  async function refreshChoices(): Promise<void> {
    cases = await listCases(db, { includeArchived: true });
    const keep = (sel: HTMLSelectElement): string => sel.value;
    const [c, s, p, tg] = [keep(caseSel), keep(siteSel), keep(platformSel), keep(tagSel)];
    caseSel.replaceChildren(option('', t('libAllCases')), ...cases.map((x) => option(x.id, x.archived ? `${caseLabel(x)} (${t('libArchived')})` : caseLabel(x), x.id === c)));
    const choices = await filterChoices(db);
    siteSel.replaceChildren(option('', t('libAllSites')), ...choices.sites.map((x) => option(x, x, x === s)));
    platformSel.replaceChildren(option('', t('libAllPlatforms')), option('none', t('libPlatformNone'), p === 'none'), ...choices.platforms.map((x) => option(x, platformLabel(x), x === p)));
    const tags = await allTags(db);
    tagSel.replaceChildren(option('', t('libAllTags')), ...tags.map((x) => option(x, x, x === tg)));
  }

  function readFilters(): void {
    filters.caseId = caseSel.value || null;
    filters.site = siteSel.value || null;
    filters.platform = (platformSel.value || null) as LibraryFilters['platform'];
    filters.tag = tagSel.value || null;
    filters.trustedTime = (statusSel.value || null) as LibraryFilters['trustedTime'];
    filters.from = fromIn.value || null;
    filters.to = toIn.value || null;
    filters.query = search.value;
    sort = sortSel.value as SortKey;
  }

  async function renderList(): Promise<void> {
    const seq = ++renderSeq;
    readFilters();
    const started = performance.now();
    const res = await listCaptures(db, filters, sort, limit, sdb);
    if (seq !== renderSeq) return; // a newer keystroke won
    thumbs.revokeAll();
    clear(list);
    for (const row of res.rows) list.append(renderItem(row));
    shownIds = res.rows.filter((r) => !r.deleted).map((r) => r.id);
    exportBtn.disabled = !shownIds.length;
    noResults.hidden = res.rows.length > 0;
    more.hidden = !res.more;
    const ms = Math.round(performance.now() - started);
    status.textContent = t(res.searched ? 'libStatusSearch' : 'libStatusList', [String(res.rows.length) + (res.more ? '+' : ''), String(ms)]);
    root.dataset.ready = '1';
    void loadThumbs(seq);
  }

  function renderItem(row: CaptureRow): HTMLElement {
    const c = cases.find((x) => x.id === row.caseId);
    const img = h('img', { class: 'lib-thumb', alt: '', loading: 'lazy', 'data-capture': row.id });
    const item = h(
      'a',
      { class: 'lib-item', role: 'listitem', testid: 'capture-item', href: `#capture=${encodeURIComponent(row.id)}`, 'data-id': row.id },
      img,
      h(
        'div',
        { class: 'lib-item-main' },
        h('div', { class: 'lib-item-title', text: row.title || row.url }),
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
    return item;
  }

  async function loadThumbs(seq: number): Promise<void> {
    for (const img of list.querySelectorAll<HTMLImageElement>('img[data-capture]')) {
      if (seq !== renderSeq) return;
      const id = img.dataset.capture!;
      const blob = (await db.blobs.get(artifactPath(id, 'screenshot-visible'))) ?? (await db.blobs.get(artifactPath(id, 'screenshot-full')));
      if (blob && seq === renderSeq) img.src = thumbs.make(blob.data);
    }
  }

  let timer: ReturnType<typeof setTimeout> | null = null;
  search.addEventListener('input', () => {
    if (timer) clearTimeout(timer);
    limit = PAGE_SIZE;
    timer = setTimeout(() => void renderList(), SEARCH_DEBOUNCE_MS);
  });
  for (const el of [caseSel, siteSel, platformSel, tagSel, statusSel, fromIn, toIn, sortSel])
    el.addEventListener('change', () => {
      limit = PAGE_SIZE;
      void renderList();
    });
  more.addEventListener('click', () => {
    limit += PAGE_SIZE;
    void renderList();
  });

  async function route(): Promise<void> {
    const m = /^#capture=(.+)$/.exec(location.hash);
    if (m) {
      listView.hidden = true;
      detailView.hidden = false;
      await renderDetail(detailView, db, decodeURIComponent(m[1]!), {
        back: () => {
          history.pushState(null, '', location.pathname + location.search);
          void route();
        },
        changed: () => void refreshChoices(),
      });
    } else {
      detailView.hidden = true;
      clear(detailView);
      listView.hidden = false;
      await renderList();
    }
  }
  window.addEventListener('hashchange', () => void route());
  // Captures made while the page sat in another tab show up when the user comes back to it.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible' || listView.hidden) return;
    void syncIndex(db, sdb)
      .catch(() => 0)
      .then(() => Promise.all([renderList(), refreshChoices()]));
  });

  // The list shows case names, so cases come first; the filter menus after: the first page should
  // not wait for them. A mark lets the benchmark time the first page apart from page boot.
  cases = await listCases(db, { includeArchived: true });
  await route();
  performance.mark('jz-first-page');
  await refreshChoices();
  // Captures made while the index did not exist (or by another context) are indexed now, then the
  // list is refreshed if anything was added.
  // Started a moment later so that it does not compete with the first page and first searches.
  setTimeout(() => {
    void syncIndex(db, sdb, {
      onProgress: (done, total) => {
        status.textContent = t('libIndexing', [String(done), String(total)]);
      },
    }).then((added) => {
      if (added > 0 && !listView.hidden) void renderList();
    });
  }, 1000);
}
