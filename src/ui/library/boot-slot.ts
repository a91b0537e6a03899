/**
 * Where the library's boot promise is kept (a global of our own page; no web page can see it), so
 * the page boots once whichever script gets there first: the classic boot script normally,
 * main.ts itself if that script did not run. Its own module so that main.ts can look without
 * importing boot.ts (which would put the first-paint code in the module chunk a second time).
 */
import type { LibraryBoot } from './boot';

const SLOT = '__jzLibraryBoot';

export function bootSlot(): Promise<LibraryBoot> | undefined {
  return (globalThis as Record<string, unknown>)[SLOT] as Promise<LibraryBoot> | undefined;
}

export function fillBootSlot(p: Promise<LibraryBoot>): Promise<LibraryBoot> {
  (globalThis as Record<string, unknown>)[SLOT] = p;
  return p;
}
