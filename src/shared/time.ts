/** UTC ISO 8601 with milliseconds, e.g. 2022-06-12T08:30:00.000Z. */
export function nowIso(): string {
  return new Date().toISOString();
}
