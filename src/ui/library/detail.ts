/**
 * Detail view of one capture: snapshot in a sandboxed frame, screenshots, metadata, post fields,
 * artifact hashes, trusted time, custody events, notes and tags (ledger events), versions of the
 * same address with a text diff, and deletion (tombstone).
 */
import { artifactPath, type ArtifactEntry, type CaptureRecord, type Post } from '../../bundle/format';
import type { EvidenceDB } from '../../store/db';
import type { CaptureRow } from '../../store/schema';
import { addNote, addTag, removeTag } from '../../store/annotations';
import { deleteCapture } from '../../store/delete';
import { indexCapture, removeFromIndex } from '../../search/index';
import { t } from '../i18n';
import { h, fmtTime, UrlPool, type Child } from './dom';
import { createSnapshotFrame } from './snapshot';
import { diffStats, diffText } from './diff';
import { formatBytes, versionsOf } from './model';
import { platformLabel, trustedLabel } from './labels';
import { getArtifactBlob } from '../../store/artifacts';
import { forgetCachedFirstPage } from './first-page-cache';

const pool = new UrlPool();

export interface DetailCallbacks {
  back: () => void;
  changed: () => void;
}

function kv(rows: [string, Child][]): HTMLElement {
  return h('dl', { class: 'lib-kv' }, ...rows.flatMap(([k, v]) => [h('dt', { text: t(k) }), h('dd', {}, v ?? '—')]));
}

function mono(s: string | null | undefined): HTMLElement {
  return h('code', { class: 'mono lib-break', text: s ?? '—' });
}

/** A link to the original address: opens in a new tab without referrer or opener. */
function extLink(url: string): HTMLElement {
  return /^https?:/i.test(url) ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'lib-break', text: url }) : mono(url);
}

async function blobText(db: EvidenceDB, path: string): Promise<string | null> {
  const b = await getArtifactBlob(db, path);
  return b ? b.text() : null;
}

export async function renderDetail(el: HTMLElement, db: EvidenceDB, id: string, cb: DetailCallbacks): Promise<void> {
  pool.revokeAll();
  const row = await db.captures.get(id);
  const back = h('button', { type: 'button', text: t('libBack'), onclick: () => cb.back(), testid: 'detail-back' });
  if (!row) {
    el.replaceChildren(back, h('p', { class: 'bad', text: t('libNotFound') }));
    return;
  }
  let record: Partial<CaptureRecord> = {};
  try {
    record = JSON.parse(row.recordJson) as CaptureRecord;
  } catch {
    // Shown without the record's extra fields.
  }
  const sections: Child[] = [
    h('div', { class: 'lib-detail-head' }, back, h('h2', { text: row.title || row.url, testid: 'detail-title' })),
    row.deleted ? h('p', { class: 'bad', testid: 'tombstone', text: t('libDeletedTombstone') }) : null,
  ];

  // Snapshot, only inside the sandboxed frame.
  const snapshotPath = row.artifacts.find((a) => a.kind === 'html-snapshot')?.path ?? artifactPath(row.id, 'html-snapshot');
  const html = await blobText(db, snapshotPath);
  sections.push(
    h(
      'section',
      { class: 'lib-snapshot' },
      h('h3', { text: t('libSnapshot') }),
      html !== null ? createSnapshotFrame(document, html, t('libSnapshot'), (b) => pool.make(b)) : h('p', { class: 'muted', text: t('libNoSnapshot') }),
    ),
  );

  // Screenshots.
  const shots: HTMLElement[] = [];
  for (const a of row.artifacts.filter((x) => x.kind === 'screenshot-visible' || x.kind === 'screenshot-full' || x.kind === 'element-screenshot')) {
    const b = await getArtifactBlob(db, a.path).catch(() => null);
    if (b) shots.push(h('figure', {}, h('img', { src: pool.make(b), alt: t(`libKind_${a.kind.replace(/-/g, '_')}`), class: 'lib-shot', testid: 'screenshot' }), h('figcaption', { class: 'muted', text: t(`libKind_${a.kind.replace(/-/g, '_')}`) })));
  }
  if (shots.length) sections.push(h('section', { class: 'lib-shots' }, h('h3', { text: t('libScreenshots') }), ...shots));

  // Metadata.
  const stamps = await db.timestamps.where('captureId').equals(row.id).toArray();
  sections.push(
    h(
      'section',
      {},
      h('h3', { text: t('libMetadata') }),
      kv([
        ['libFieldUrl', extLink(row.url)],
        ['libFieldFinalUrl', row.finalUrl !== row.url ? extLink(row.finalUrl) : h('span', { class: 'muted', text: t('libSameAsUrl') })],
        ['libFieldCapturedAt', h('time', { datetime: row.capturedAt, text: `${fmtTime(row.capturedAt)} (${row.capturedAt})` })],
        ['libFieldSite', row.site],
        ['libFieldPlatform', platformLabel(row.platform)],
        ['libFieldHash', mono(row.hash)],
        ['libFieldSize', formatBytes(row.size)],
        ['libFieldTool', record.tool ? `${record.tool.name} ${record.tool.version}` : '—'],
        ['libFieldPageAuthor', record.page?.author ?? '—'],
        ['libFieldPublished', record.page?.publishedAt ?? '—'],
        ['libFieldLang', record.page?.lang ?? '—'],
        [
          'libFieldTrusted',
          h(
            'div',
            {},
            h('span', { class: `lib-trusted lib-trusted-${row.trustedTime}`, text: trustedLabel(row.trustedTime) }),
            ...stamps.map((s) => h('div', { class: 'muted' }, `${s.genTime} — ${s.tsaUrl} — `, mono(s.path))),
          ),
        ],
      ]),
      record.notes?.length ? h('ul', { class: 'muted' }, ...record.notes.map((n) => h('li', { text: n }))) : null,
    ),
  );

  // Post fields.
  if (record.post) sections.push(renderPost(record.post));

  // Artifacts and hashes.
  sections.push(
    h(
      'section',
      {},
      h('h3', { text: t('libArtifacts') }),
      h(
        'table',
        { class: 'lib-table' },
        h('thead', {}, h('tr', {}, ...['libColPath', 'libColKind', 'libColSize', 'libColSha256'].map((k) => h('th', { text: t(k) })))),
        h('tbody', {}, ...row.artifacts.map((a: ArtifactEntry) => h('tr', {}, h('td', {}, mono(a.path)), h('td', { text: a.kind }), h('td', { text: formatBytes(a.size) }), h('td', {}, mono(a.sha256))))),
      ),
    ),
  );

  // Tags and notes.
  if (!row.deleted) sections.push(renderAnnotations(db, row, () => void reload()));
  else if (row.notes.length || row.tags.length) sections.push(h('section', {}, h('h3', { text: t('libNotes') }), ...row.notes.map((n) => h('p', { text: `${fmtTime(n.time)} — ${n.text}` }))));

  // Versions.
  sections.push(await renderVersions(db, row));

  // Custody events.
  const events = await db.ledger.where('captureId').equals(row.id).sortBy('seq');
  sections.push(
    h(
      'section',
      { testid: 'custody' },
      h('h3', { text: t('libCustody') }),
      h(
        'table',
        { class: 'lib-table' },
        h('thead', {}, h('tr', {}, ...['libColSeq', 'libColTime', 'libColEvent', 'libColDetails', 'libColEventHash'].map((k) => h('th', { text: t(k) })))),
        h('tbody', {}, ...events.map((e) => h('tr', {}, h('td', { text: String(e.seq) }), h('td', { text: e.time }), h('td', { text: t(`libEvent_${e.type.replace(/-/g, '_')}`) }), h('td', {}, mono(JSON.stringify(e.payload))), h('td', {}, mono(e.hash.slice(0, 16) + '…'))))),
      ),
    ),
  );

  // Delete.
  if (!row.deleted) {
    sections.push(
      h(
        'section',
        { class: 'lib-danger' },
        h('button', {
          type: 'button',
          class: 'danger',
          testid: 'delete-capture',
          text: t('libDelete'),
          onclick: async () => {
            if (!confirm(t('libDeleteConfirm'))) return;
            await deleteCapture(db, row.id);
            forgetCachedFirstPage();
            await removeFromIndex([row.id]).catch(() => undefined);
            cb.changed();
            void reload();
          },
        }),
        h('p', { class: 'muted', text: t('libDeleteExplain') }),
      ),
    );
  }

  el.replaceChildren(...sections.filter((s): s is Node => !!s && typeof s !== 'string'));

  async function reload(): Promise<void> {
    cb.changed();
    await renderDetail(el, db, id, cb);
  }
}

function renderPost(p: Post): HTMLElement {
  return h(
    'section',
    { testid: 'post' },
    h('h3', { text: t('libPost') }),
    kv([
      ['libFieldPlatform', platformLabel(p.platform)],
      ['libFieldPostStatus', t(`libPostStatus_${p.status}`)],
      ['libFieldAuthor', [p.author.name, p.author.id].filter(Boolean).join(' · ') || '—'],
      ['libFieldPostUrl', p.url ? extLink(p.url) : '—'],
      ['libFieldPublished', p.publishedAt ?? p.publishedAtText ?? '—'],
      ['libFieldMetrics', `↻ ${p.metrics.reposts ?? '—'}  💬 ${p.metrics.comments ?? '—'}  ♥ ${p.metrics.likes ?? '—'}`],
    ]),
    p.title ? h('h4', { text: p.title }) : null,
    h('blockquote', { class: 'lib-post-text', text: p.text ?? '' }),
    p.media.length
      ? h('ul', {}, ...p.media.map((m) => h('li', {}, `${m.type}: `, mono(m.url), m.sha256 ? h('span', { class: 'muted' }, ' sha256 ', mono(m.sha256)) : h('span', { class: 'warn', text: ` ${m.missing ?? t('libMediaMissing')}` }))))
      : null,
    p.quoted ? h('div', { class: 'lib-quoted' }, renderPost(p.quoted)) : null,
  );
}

function renderAnnotations(db: EvidenceDB, row: CaptureRow, after: () => void): HTMLElement {
  const err = h('p', { class: 'bad', hidden: true, role: 'alert' });
  const fail = (e: unknown): void => {
    err.hidden = false;
    err.textContent = e instanceof Error ? e.message : String(e);
  };
  const done = async (): Promise<void> => {
    await indexCapture(db, row.id).catch(() => undefined);
    after();
  };
  const tagIn = h('input', { type: 'text', placeholder: t('libAddTag'), 'aria-label': t('libAddTag'), testid: 'tag-input' });
  const noteIn = h('textarea', { rows: 3, placeholder: t('libAddNote'), 'aria-label': t('libAddNote'), testid: 'note-input' });
  return h(
    'section',
    { class: 'lib-annotations' },
    h('h3', { text: t('libTags') }),
    h(
      'div',
      { class: 'lib-item-tags' },
      ...row.tags.map((tag) =>
        h('span', { class: 'lib-tag' }, tag, h('button', { type: 'button', class: 'lib-tag-x', 'aria-label': t('libRemoveTag', tag), title: t('libRemoveTag', tag), text: '×', onclick: () => void removeTag(db, row.id, tag).then(done, fail) })),
      ),
    ),
    h(
      'form',
      {
        class: 'lib-inline',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          if (tagIn.value.trim()) void addTag(db, row.id, tagIn.value).then(done, fail);
        },
      },
      tagIn,
      h('button', { type: 'submit', text: t('libAdd') }),
    ),
    h('h3', { text: t('libNotes') }),
    h('ul', { class: 'lib-notes' }, ...row.notes.map((n) => h('li', {}, h('time', { class: 'muted', datetime: n.time, text: fmtTime(n.time) }), ' ', h('span', { class: 'lib-pre', text: n.text })))),
    h(
      'form',
      {
        class: 'lib-inline',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          if (noteIn.value.trim()) void addNote(db, row.id, noteIn.value).then(done, fail);
        },
      },
      noteIn,
      h('button', { type: 'submit', text: t('libAddNoteButton') }),
    ),
    h('p', { class: 'muted', text: t('libAnnotationsLedger') }),
    err,
  );
}

async function renderVersions(db: EvidenceDB, row: CaptureRow): Promise<HTMLElement> {
  const versions = await versionsOf(db, row);
  const section = h('section', { testid: 'versions' }, h('h3', { text: t('libVersions', String(versions.length)) }));
  if (versions.length < 2) {
    section.append(h('p', { class: 'muted', text: t('libOnlyVersion') }));
    return section;
  }
  const out = h('div', { class: 'lib-diff-out' });
  const thisIndex = versions.findIndex((v) => v.id === row.id);
  const list = h('ol', { class: 'lib-versions' });
  for (const v of versions) {
    const isThis = v.id === row.id;
    list.append(
      h(
        'li',
        {},
        h('a', { href: `#capture=${encodeURIComponent(v.id)}`, text: fmtTime(v.capturedAt) }),
        ' ',
        mono(v.hash.slice(0, 12)),
        isThis ? h('strong', { text: ` ${t('libThisVersion')}` }) : null,
        v.deleted ? h('span', { class: 'bad', text: ` ${t('libDeletedShort')}` }) : null,
        !isThis && !v.deleted && !row.deleted ? h('button', { type: 'button', class: 'lib-small', text: t('libCompare'), onclick: () => void showDiff(v) }) : null,
      ),
    );
  }
  section.append(list, out);

  async function showDiff(other: CaptureRow): Promise<void> {
    const [older, newer] = other.capturedAt <= row.capturedAt ? [other, row] : [row, other];
    const [a, b] = await Promise.all([blobText(db, artifactPath(older.id, 'text')), blobText(db, artifactPath(newer.id, 'text'))]);
    if (a === null || b === null) {
      out.replaceChildren(h('p', { class: 'muted', text: t('libNoText') }));
      return;
    }
    const ops = diffText(a, b);
    const st = diffStats(ops);
    out.replaceChildren(
      h('p', { class: 'muted', text: t('libDiffSummary', [fmtTime(older.capturedAt), fmtTime(newer.capturedAt), String(st.deleted), String(st.inserted)]) }),
      h('pre', { class: 'lib-diff', testid: 'diff' }, ...ops.map((o) => (o.op === 'eq' ? o.text : h(o.op, { text: o.text })))),
    );
  }
  // Default: compare with the previous version (or the next one for the first).
  const prev = versions[thisIndex - 1] ?? versions[thisIndex + 1];
  if (prev && !prev.deleted && !row.deleted) await showDiff(prev);
  return section;
}
