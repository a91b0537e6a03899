import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCALES = ['en', 'zh_CN'] as const;
export type LocaleMessages = Record<string, { message: string; description?: string; placeholders?: unknown }>;

/**
 * UI strings live in per-area fragments (src/ui/locales/<lang>/<area>.json) so that features can add
 * keys without editing one shared file; the build merges them into public _locales/<lang>/messages.json.
 * A key defined twice is an error.
 */
export function mergeLocale(dir: string, lang: string): LocaleMessages {
  const out: LocaleMessages = {};
  const folder = join(dir, lang);
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
    const part = JSON.parse(readFileSync(join(folder, file), 'utf8')) as LocaleMessages;
    for (const [key, value] of Object.entries(part)) {
      if (key in out) throw new Error(`locale ${lang}: key ${key} defined twice (${file})`);
      out[key] = value;
    }
  }
  return out;
}
