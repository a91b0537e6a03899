import { DOMParser } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { doctypeString, sanitizeSnapshotHtml, SNAPSHOT_CSP } from '../../src/capture/sanitize';

const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html') as unknown as Document;
const sanitize = (html: string) => sanitizeSnapshotHtml(html, parse).html;

// What single-file-core returns: the page's doctype (if any), then the root with its comment inside.
const SF_COMMENT = '<!--\n Page saved with SingleFile \n url: http://127.0.0.1/a.html \n-->';
const body = `<head><title>t</title></head><body><div style="height:100%;padding-bottom:56.25%">v</div><script>alert(1)</script></body></html>`;

describe('sanitizeSnapshotHtml keeps the rendering mode of the page', () => {
  it('adds no doctype to a page that has none (it renders in quirks mode, as the live page did)', () => {
    // bbc-1 has no doctype; a `<!DOCTYPE html>` switched it to standards mode, where percentage
    // heights no longer resolve against the viewport: its video boxes shrank from 1450 to 666 px.
    const out = sanitize(`<html lang="en">${SF_COMMENT}${body}`);
    expect(out).not.toMatch(/<!doctype/i);
    expect(out.startsWith('<html')).toBe(true);
    expect(parse(out).doctype).toBeNull();
    expect(out).toContain('Page saved with SingleFile');
  });

  it('keeps a legacy doctype whole: its public and system identifiers pick quirks or limited-quirks mode', () => {
    const quirks = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">';
    const limited = '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">';
    expect(sanitize(`${quirks}<html>${body}`).startsWith(`${quirks}\n<html>`)).toBe(true);
    const out = sanitize(`${limited}<html>${body}`);
    expect(out.startsWith(`${limited}\n<html>`)).toBe(true);
    const dt = parse(out).doctype!;
    expect([dt.publicId, dt.systemId]).toEqual(['-//W3C//DTD XHTML 1.0 Transitional//EN', 'http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd']);
  });

  it('keeps the HTML5 doctype and a system-only one', () => {
    expect(sanitize(`<!DOCTYPE html><html>${body}`).startsWith('<!DOCTYPE html>\n<html>')).toBe(true);
    expect(sanitize(`<!doctype html SYSTEM "about:legacy-compat"><html>${body}`).startsWith('<!DOCTYPE html SYSTEM "about:legacy-compat">\n')).toBe(true);
  });

  it('keeps a comment that precedes the root, after the doctype when there is one', () => {
    expect(sanitize(`<!DOCTYPE html>${SF_COMMENT}<html>${body}`).startsWith(`<!DOCTYPE html>\n${SF_COMMENT}\n<html>`)).toBe(true);
    expect(sanitize(`${SF_COMMENT}<html>${body}`).startsWith(`${SF_COMMENT}\n<html>`)).toBe(true);
  });

  it('still makes the snapshot inert whatever the doctype', () => {
    for (const dt of ['', '<!DOCTYPE html>']) {
      const out = sanitize(`${dt}<html>${body}`);
      expect(out).not.toContain('<script>');
      const meta = parse(out).querySelector('meta[http-equiv="Content-Security-Policy"]');
      expect(meta?.getAttribute('content')).toBe(SNAPSHOT_CSP);
    }
  });
});

describe('doctypeString', () => {
  it('quotes an identifier that holds a double quote with single quotes', () => {
    expect(doctypeString({ name: 'html', publicId: 'a"b', systemId: '' } as DocumentType)).toBe(`<!DOCTYPE html PUBLIC 'a"b'>`);
    expect(doctypeString(null)).toBe('');
  });
});
