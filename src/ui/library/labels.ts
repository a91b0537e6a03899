import type { CaseRow } from '../../store/schema';
import { DEFAULT_CASE_ID } from '../../store/db';
import { t } from '../i18n';

export function caseLabel(c: CaseRow): string {
  return c.id === DEFAULT_CASE_ID ? t('libDefaultCase') : c.name;
}

export function platformLabel(p: string | null): string {
  return p ? t(`libPlatform_${p}`) : t('libPlatformNone');
}

export function trustedLabel(s: string): string {
  return t(`libTrusted_${s}`);
}
