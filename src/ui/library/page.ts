/**
 * The library page's behaviour: filter bar with live search, the capture list ("load more" for the
 * next page), panels (cases, watch, storage) and the detail view (#capture=<id>). Loaded on demand
 * by entrypoints/library/main.ts, which has already drawn the frame (shell.ts) and usually the first
 * page (first-page.ts); the detail view and the panels are loaded on demand in turn.
 */
import { artifactPath } from '../../bundle/format';
import { getDb, type EvidenceDB } from '../../store/db';
import { allTags } from '../../store/annotations';
import { ensureDefaultCase, listCases } from '../../store/cases';
import type { CaseRow } from '../../store/schema';
import { getSearchDb, syncIndex } from '../../search/index';
import { t } from '../i18n';
import { clear, option, UrlPool } from './dom';
import { EMPTY_FILTERS, PAGE_SIZE, filterChoices, listCaptures, type LibraryFilters, type SortKey } from './model';
import type { FirstPage } from './first-page';
import { showRows, type LibraryShell, type PanelKey } from './shell';
import { caseLabel, platformLabel } from './labels';
import { readArtifact } from '../../store/artifacts';

/** Delay after the last keystroke before searching: keeps typing smooth on large libraries. */
const SEARCH_DEBOUNCE_MS = 120;

/**
 * Wires the page. `initial` is the first page main.ts already shows (null when it could not read
 * it, or when the page opened on a detail view): then the list is drawn here.
 */
export async function mountLibrary(shell: LibraryShell, initial: FirstPage | null, db: EvidenceDB = getDb()): Promise<void> {
  const { root, status, search, caseSel, siteSel, platformSel, tagSel, statusSel, fromIn, toIn, sortSel, exportBtn, list, more, listView, detailView, panels } = shell;
  await ensureDefaultCase(db);
  const sdb = getSearchDb();
  const filters: LibraryFilters = { ...EMPTY_FILTERS };
  let sort: SortKey = 'time-desc';
  let limit = PAGE_SIZE;
  let cases: CaseRow[] = initial?.cases ?? [];
  let renderSeq = 0;
  const thumbs = new UrlPool();

  // Export: the filtered case as a whole when one is chosen, else the captures listed now. The
  // export page (export dialog: encryption, progress, cancel) does the work.
  let shownIds: string[] = [];
  exportBtn.addEventListener('click', () => {
    const onlyCase = filters.caseId && !filters.query.trim() && !filters.site && !filters.platform && !filters.tag && !filters.trustedTime && !filters.from && !filters.to;
    const query = onlyCase ? `case=${encodeURIComponent(filters.caseId!)}` : `ids=${shownIds.map(encodeURIComponent).join(',')}`;
    if (filters.caseId || shownIds.length) window.open(`/export.html?${query}`, '_blank', 'noopener');
  });

  const mounts: Record<PanelKey, (el: HTMLElement) => Promise<void>> = {
    libPanelCases: async (el) => (await import('./cases-panel')).mountCasesPanel(el, db, () => void refreshChoices()),
    libPanelWatch: async (el) => (await import('./watch-panel')).mountWatchPanel(el, db),
    libPanelStorage: async (el) => (await import('./storage-panel')).mountStoragePanel(el, db),
  };
  for (const { key, button, el } of panels) {
    button.addEventListener('click', () => {
      const open = el.hidden;
      el.hidden = !open;
      button.setAttribute('aria-expanded', String(open));
      if (open) void mounts[key](el);
    });
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
    showRows(shell, res, cases);
    listed(res.rows.filter((r) => !r.deleted).map((r) => r.id));
    const ms = Math.round(performance.now() - started);
    status.textContent = t(res.searched ? 'libStatusSearch' : 'libStatusList', [String(res.rows.length) + (res.more ? '+' : ''), String(ms)]);
    root.dataset.ready = '1';
    void loadThumbs(seq);
  }

  function listed(ids: string[]): void {
    shownIds = ids;
    exportBtn.disabled = !shownIds.length;
  }

  // After the rows are visible; two batched reads rather than one or two per row.
  async function loadThumbs(seq: number): Promise<void> {
    const imgs = [...list.querySelectorAll<HTMLImageElement>('img[data-capture]')];
    const ids = imgs.map((img) => img.dataset.capture!);
    const visible = await db.blobs.bulkGet(ids.map((id) => artifactPath(id, 'screenshot-visible')));
    const missing = ids.filter((_, i) => !visible[i]);
    const full = missing.length ? await db.blobs.bulkGet(missing.map((id) => artifactPath(id, 'screenshot-full'))) : [];
    const fullById = new Map(missing.map((id, i) => [id, full[i]]));
    // A screenshot whose bytes cannot be read (a damaged store) only loses its thumbnail.
    const blobs = await Promise.all(ids.map((id, i) => {
      const row = visible[i] ?? fullById.get(id);
      return row ? readArtifact(row).catch(() => null) : null;
    }));
    if (seq !== renderSeq) return;
    imgs.forEach((img, i) => {
      const blob = blobs[i];
      if (blob) img.src = thumbs.make(blob);
    });
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
      const { renderDetail } = await import('./detail');
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

  // The first page main.ts drew is the list as it is now: keep it rather than draw it twice, fill
  // in what it does not show yet (thumbnails, export), then the filter menus. Input made before
  // this code had loaded (e.g. a search typed at once) is applied now.
  readFilters();
  const untouched = JSON.stringify(filters) === JSON.stringify(EMPTY_FILTERS) && sort === 'time-desc';
  if (initial && untouched && !location.hash) {
    listed(initial.rows.map((r) => r.id));
    root.dataset.ready = '1';
    void loadThumbs(renderSeq);
  } else {
    // Rows show case names, so here (main.ts could not read the first page) cases come first.
    cases = await listCases(db, { includeArchived: true });
    await route();
    if (!performance.getEntriesByName('jz-first-page').length) performance.mark('jz-first-page');
  }
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
