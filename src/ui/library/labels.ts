import type { CaseRow } from '../../store/schema';
import { t } from './msg';

/** Must equal DEFAULT_CASE_ID in src/store/db.ts (a unit test checks it): importing it would put
 * Dexie into the library's initial chunk. */
export const DEFAULT_CASE_ID = 'default';

export function caseLabel(c: CaseRow): string {
  return c.id === DEFAULT_CASE_ID ? t('libDefaultCase') : c.name;
}

export function platformLabel(p: string | null): string {
  return p ? t(`libPlatform_${p}`) : t('libPlatformNone');
}

export function trustedLabel(s: string): string {
  return t(`libTrusted_${s}`);
}
