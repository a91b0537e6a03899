import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'social');
/** Fixed capture time for every test: 15 June 2022, 10:00 Beijing time. */
export const CAPTURED_AT = new Date('2022-06-15T02:00:00.000Z');

export function load(file: string): Document {
  return parseHTML(readFileSync(join(FIXTURES, file), 'utf8')).document as unknown as Document;
}

export function html(markup: string): Document {
  return parseHTML(`<!DOCTYPE html><html><head></head><body>${markup}</body></html>`).document as unknown as Document;
}
