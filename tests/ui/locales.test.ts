import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { LOCALES, mergeLocale } from '../../src/ui/locales/merge';

describe('UI strings', () => {
  const merged = Object.fromEntries(LOCALES.map((l) => [l, mergeLocale('src/ui/locales', l)]));

  it('every language has exactly the same keys', () => {
    const en = Object.keys(merged.en!).sort();
    expect(en.length).toBeGreaterThan(3);
    for (const lang of LOCALES) expect(Object.keys(merged[lang]!).sort()).toEqual(en);
  });

  it('no message is empty and zh_CN is actually translated where it has CJK text', () => {
    for (const lang of LOCALES) for (const [k, v] of Object.entries(merged[lang]!)) expect(v.message, `${lang}/${k}`).not.toBe('');
    const zhKeys = Object.entries(merged.zh_CN!).filter(([, v]) => /[\u4e00-\u9fff]/.test(v.message));
    expect(zhKeys.length).toBeGreaterThan(Object.keys(merged.zh_CN!).length / 2);
  });

  it('every data-i18n key used in an HTML entrypoint exists', () => {
    const used = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(p);
        else if (/\.(html|ts)$/.test(e.name)) {
          const text = readFileSync(p, 'utf8');
          for (const m of text.matchAll(/data-i18n(?:-title|-placeholder|-aria-label)?="([A-Za-z0-9_]+)"/g)) used.add(m[1]!);
        }
      }
    };
    walk('entrypoints');
    for (const key of used) expect(merged.en, `missing key ${key}`).toHaveProperty(key);
  });
});
