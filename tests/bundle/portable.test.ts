import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The exporter and verifier run in extension pages too: plain Web APIs only, no Node built-ins.
describe('src/bundle and src/crypto', () => {
  it('import no node: modules', () => {
    const offenders: string[] = [];
    for (const dir of ['src/bundle', 'src/crypto']) {
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
        const text = readFileSync(join(dir, f), 'utf8');
        if (/from\s+['"](node:|fs['"]|path['"]|crypto['"]|zlib['"]|buffer['"])/.test(text) || /\bBuffer\./.test(text)) offenders.push(`${dir}/${f}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
