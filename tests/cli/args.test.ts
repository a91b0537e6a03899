import { describe, expect, it } from 'vitest';
import { defaultOutName, parseCaptureArgs, parseUrlsFile, UsageError } from '../../src/cli/args';

describe('capture CLI arguments', () => {
  it('accepts --name value and --name=value alike, repeatable options, and Chromium flags as values', () => {
    const a = parseCaptureArgs([
      '--out', 'a.zip', '--wait=1500', '--browser-arg', '--lang=zh-CN', '--browser-arg=--mute-audio',
      '--tsa', 'http://tsa.one/', '--tsa=http://tsa.two/', '--json', '--no-tsa', '--profile', '/tmp/p',
      '--proxy=socks5://127.0.0.1:1080', '--ignore-https-errors', 'https://example.org/a', 'http://example.org/b',
    ]);
    expect(a.out).toBe('a.zip');
    expect(a.waitMs).toBe(1500);
    expect(a.browserArgs).toEqual(['--lang=zh-CN', '--mute-audio']);
    expect(a.tsa).toEqual(['http://tsa.one/', 'http://tsa.two/']);
    expect(a.json && a.noTsa && a.ignoreHttpsErrors).toBe(true);
    expect(a.profile).toBe('/tmp/p');
    expect(a.proxy).toBe('socks5://127.0.0.1:1080');
    expect(a.urls).toEqual(['https://example.org/a', 'http://example.org/b']);
  });

  it('rejects what it cannot use, in plain words', () => {
    expect(() => parseCaptureArgs(['--wait', 'soon'])).toThrow(/--wait takes a whole number/);
    expect(() => parseCaptureArgs(['--proxy', 'ftp://x'])).toThrow(/--proxy must be/);
    expect(() => parseCaptureArgs(['example.org'])).toThrow(UsageError);
    expect(() => parseCaptureArgs(['--frobnicate'])).toThrow(UsageError);
  });

  it('reads a URL file with comments and blank lines', () => {
    expect(parseUrlsFile('# list\nhttps://a.example/\n\n  https://b.example/x  \r\n#x\n')).toEqual(['https://a.example/', 'https://b.example/x']);
  });

  it('names the default bundle after the time, without characters file systems reject', () => {
    expect(defaultOutName(new Date('2022-06-12T08:30:05.123Z'))).toBe('evidence-2022-06-12T08-30-05Z.zip');
  });
});
