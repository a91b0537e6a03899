/**
 * Element picker for "Capture a post": runs in the content script on the page being captured.
 * Hover highlights (an overlay in a closed shadow root, so page CSS and scripts cannot reach it),
 * click or Enter selects, ArrowUp / "p" widens to the parent, ArrowDown narrows back, Esc cancels.
 * Hovering inside a known post container snaps to the whole post. Afterwards nothing of it is
 * left in the page: the overlay element and every listener are removed, and no page style is touched.
 */
import { WEIBO_POST_SELECTORS } from './weibo';
import { X_POST_SELECTORS } from './x';
import { ZHIHU_POST_SELECTORS } from './zhihu';
import { WECHAT_POST_SELECTORS } from './wechat';
import { DOUYIN_POST_SELECTORS } from './douyin';
import { TOUTIAO_POST_SELECTORS } from './toutiao';

/** Post containers to snap to, across platforms; generic ones (article, schema.org items) last. */
export const POST_CONTAINER_SELECTORS: readonly string[] = [
  ...X_POST_SELECTORS,
  ...WEIBO_POST_SELECTORS,
  '.AnswerItem',
  ...ZHIHU_POST_SELECTORS.filter((s) => s !== '.AnswerItem'),
  ...DOUYIN_POST_SELECTORS,
  ...TOUTIAO_POST_SELECTORS.filter((s) => s !== '.main-content'),
  ...WECHAT_POST_SELECTORS.filter((s) => s !== '#js_content'),
  '[itemtype*="SocialMediaPosting"]',
  '[itemtype*="DiscussionForumPosting"]',
  '[itemtype*="Comment"]',
];

/** Marks our overlay host, so tests (and the snapshot code) can recognise and skip it. */
export const PICKER_HOST_ATTR = 'data-jianzheng-picker';

export interface PickerOptions {
  /** Localised hint shown at the top of the page (t('adaptersPickerHint')); none when omitted. */
  hint?: string;
  /** Containers to snap to; [] turns snapping off. */
  snapSelectors?: readonly string[];
  /** Aborting cancels the picker (resolves null) and cleans up. */
  signal?: AbortSignal;
}

/** The nearest known post container around `el`, or `el` itself. */
export function snapTarget(el: Element, selectors: readonly string[] = POST_CONTAINER_SELECTORS): Element {
  for (const s of selectors) {
    try {
      const c = el.closest(s);
      if (c && c !== el.ownerDocument.body && c !== el.ownerDocument.documentElement) return c;
    } catch {
      /* a selector this engine does not know */
    }
  }
  return el;
}

const STYLE = `
:host { all: initial; }
.box { position: absolute; box-sizing: border-box; border: 2px solid #c0392b; background: rgba(192, 57, 43, 0.12);
  pointer-events: none; display: none; }
.hint { position: absolute; top: 8px; left: 50%; transform: translateX(-50%); max-width: 90vw; padding: 6px 12px;
  font: 13px/1.4 system-ui, "Noto Sans CJK SC", sans-serif; color: #fff; background: rgba(30, 30, 30, 0.9);
  border-radius: 6px; pointer-events: none; }
`;

const BLOCKED = ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'auxclick', 'dblclick', 'contextmenu', 'submit'] as const;

let active = false;

export function pickElement(doc: Document = document, opts: PickerOptions = {}): Promise<Element | null> {
  if (active) return Promise.reject(new Error('picker already open'));
  active = true;
  const snap = opts.snapSelectors ?? POST_CONTAINER_SELECTORS;
  const host = doc.createElement('div');
  host.setAttribute(PICKER_HOST_ATTR, '');
  host.setAttribute('style', 'all: initial; position: fixed; left: 0; top: 0; width: 0; height: 0; z-index: 2147483647; pointer-events: none;');
  const shadow = host.attachShadow({ mode: 'closed' });
  const style = doc.createElement('style');
  style.textContent = STYLE;
  const box = doc.createElement('div');
  box.className = 'box';
  shadow.append(style, box);
  if (opts.hint) {
    const hint = doc.createElement('div');
    hint.className = 'hint';
    hint.textContent = opts.hint;
    shadow.append(hint);
  }
  (doc.body ?? doc.documentElement).append(host);

  let current: Element | null = null;
  const narrower: Element[] = []; // the path back down after widening

  const draw = (): void => {
    if (!current || typeof current.getBoundingClientRect !== 'function') {
      box.style.display = 'none';
      return;
    }
    const r = current.getBoundingClientRect();
    Object.assign(box.style, { display: 'block', left: `${r.left}px`, top: `${r.top}px`, width: `${r.width}px`, height: `${r.height}px` });
  };
  const isOurs = (t: EventTarget | null): boolean => t === host || (t instanceof Object && 'nodeType' in t && host.contains(t as Node));
  const eltOf = (t: EventTarget | null): Element | null => (t && (t as Node).nodeType === 1 ? (t as Element) : (t as Node | null)?.parentElement ?? null);

  return new Promise<Element | null>((resolve) => {
    const stop = (e: Event): void => {
      e.preventDefault();
      e.stopPropagation();
      e.stopImmediatePropagation();
    };
    const onOver = (e: Event): void => {
      const el = eltOf(e.target);
      if (!el || isOurs(el) || el === doc.documentElement || el === doc.body) return;
      const next = snapTarget(el, snap);
      if (next !== current) {
        current = next;
        narrower.length = 0;
        draw();
      }
    };
    const onClick = (e: Event): void => {
      stop(e);
      const el = current ?? (eltOf(e.target) ? snapTarget(eltOf(e.target)!, snap) : null);
      finish(el);
    };
    const onKey = (e: Event): void => {
      const key = (e as KeyboardEvent).key;
      if (key === 'Escape') {
        stop(e);
        finish(null);
      } else if ((key === 'ArrowUp' || key === 'p' || key === 'P') && current) {
        stop(e);
        const parent = current.parentElement;
        if (parent && parent !== doc.documentElement && parent !== doc.body) {
          narrower.push(current);
          current = parent;
          draw();
        }
      } else if (key === 'ArrowDown' && narrower.length) {
        stop(e);
        current = narrower.pop()!;
        draw();
      } else if (key === 'Enter' && current) {
        stop(e);
        finish(current);
      }
    };
    const onScroll = (): void => draw();
    const onAbort = (): void => finish(null);
    const listeners: [string, EventListener][] = [
      ['mouseover', onOver],
      ['mousemove', onOver],
      ['click', onClick],
      ['keydown', onKey],
      ...BLOCKED.map((t) => [t, stop] as [string, EventListener]),
    ];
    for (const [t, f] of listeners) doc.addEventListener(t, f, true);
    const win = doc.defaultView;
    win?.addEventListener('scroll', onScroll, true);
    win?.addEventListener('resize', onScroll, true);
    opts.signal?.addEventListener('abort', onAbort);

    function finish(el: Element | null): void {
      for (const [t, f] of listeners) doc.removeEventListener(t, f, true);
      win?.removeEventListener('scroll', onScroll, true);
      win?.removeEventListener('resize', onScroll, true);
      opts.signal?.removeEventListener('abort', onAbort);
      host.remove();
      active = false;
      resolve(el);
    }
    if (opts.signal?.aborted) finish(null);
  });
}
