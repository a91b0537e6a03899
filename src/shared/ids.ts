/** Sortable, unique id: the UTC time to the millisecond first (ids list in creation order), then 6 random bytes. */
export function sortableId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 17);
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${stamp}-${rand}`;
}
