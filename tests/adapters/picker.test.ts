import { describe, expect, it } from 'vitest';
import { PICKER_HOST_ATTR, pickElement, snapTarget } from '../../src/adapters/picker';
import { html, load } from './helpers';

type Win = { Event: typeof Event };

function fire(doc: Document, target: EventTarget, type: string, extra: Record<string, unknown> = {}): Event {
  const Ev = (doc.defaultView as unknown as Win).Event;
  const e = new Ev(type, { bubbles: true, cancelable: true });
  for (const [k, v] of Object.entries(extra)) Object.defineProperty(e, k, { value: v });
  target.dispatchEvent(e);
  return e;
}

function snapshot(doc: Document): string {
  return doc.documentElement.outerHTML;
}

describe('element picker', () => {
  it('snaps a hovered element to its post container and resolves on click, leaving no trace', async () => {
    const doc = load('x/x.com/henan_watch/status/1536587654321098752.html');
    const before = snapshot(doc);
    let pageSawClick = false;
    const picking = pickElement(doc, { hint: 'pick' });
    // The page's own click handler. linkedom has no capture phase, so it listens on the document,
    // where the picker's capture listener stops it in a browser too.
    doc.addEventListener('click', () => (pageSawClick = true));
    expect(doc.querySelectorAll(`[${PICKER_HOST_ATTR}]`)).toHaveLength(1);
    const span = doc.querySelector('[data-testid="tweetText"] span')!;
    fire(doc, span, 'mouseover');
    const click = fire(doc, span, 'click');
    const chosen = await picking;
    expect(chosen?.getAttribute('data-testid')).toBe('tweet');
    expect(chosen?.getAttribute('tabindex')).toBe('-1');
    expect(click.defaultPrevented).toBe(true);
    // The page never learns of the click, and the document is exactly as before.
    expect(pageSawClick).toBe(false);
    expect(snapshot(doc)).toBe(before);
    // Listeners are gone: a later click is the page's again.
    fire(doc, span, 'click');
    expect(pageSawClick).toBe(true);
  });

  it('ArrowUp widens to the parent, ArrowDown narrows back, Enter selects', async () => {
    const doc = html('<section id="thread"><div id="c1"><p id="t">评论一</p></div><div id="c2"></div></section>');
    const picking = pickElement(doc, { snapSelectors: [] });
    fire(doc, doc.getElementById('t')!, 'mouseover');
    fire(doc, doc, 'keydown', { key: 'ArrowUp' });
    fire(doc, doc, 'keydown', { key: 'ArrowUp' });
    fire(doc, doc, 'keydown', { key: 'ArrowDown' });
    fire(doc, doc, 'keydown', { key: 'Enter' });
    expect((await picking)?.id).toBe('c1');
    expect(doc.querySelector(`[${PICKER_HOST_ATTR}]`)).toBeNull();
  });

  it('Esc cancels with null and cleans up; a second picker can then open', async () => {
    const doc = html('<p id="a">x</p>');
    const picking = pickElement(doc);
    await expect(pickElement(doc)).rejects.toThrow('already open');
    fire(doc, doc, 'keydown', { key: 'Escape' });
    expect(await picking).toBeNull();
    expect(doc.querySelector(`[${PICKER_HOST_ATTR}]`)).toBeNull();
    const again = pickElement(doc);
    fire(doc, doc.getElementById('a')!, 'click');
    expect((await again)?.id).toBe('a');
  });

  it('an abort signal cancels', async () => {
    const doc = html('<p>x</p>');
    const ac = new AbortController();
    const picking = pickElement(doc, { signal: ac.signal });
    ac.abort();
    expect(await picking).toBeNull();
    expect(doc.querySelector(`[${PICKER_HOST_ATTR}]`)).toBeNull();
  });

  it('snapTarget knows the platforms\' post containers', () => {
    const doc = load('zhihu/www.zhihu.com/question/534567890/answer/2512345678.html');
    expect(snapTarget(doc.querySelector('p[data-pid="a2"]')!).classList.contains('AnswerItem')).toBe(true);
    const wb = load('weibo/weibo.com/6012345678/Lx8RtQ1Zz.html');
    expect(snapTarget(wb.querySelector('.detail_wbtext_4CRf9')!).tagName).toBe('ARTICLE');
  });
});
