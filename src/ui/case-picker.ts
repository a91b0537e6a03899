/**
 * Small active-case picker for the popup: new captures go to the chosen case. The lead mounts it with
 * mountCasePicker(element). It lists non-archived cases and stores the choice in kv (activeCaseId).
 */
import { getDb, type EvidenceDB } from '../store/db';
import { getActiveCaseId, listCases, setActiveCaseId } from '../store/cases';
import { t } from './i18n';
import { caseLabel } from './library/labels';

export async function mountCasePicker(el: HTMLElement, db: EvidenceDB = getDb(), onChange?: (caseId: string) => void): Promise<HTMLSelectElement> {
  const [cases, active] = await Promise.all([listCases(db), getActiveCaseId(db)]);
  const label = document.createElement('label');
  label.className = 'case-picker';
  label.textContent = t('libActiveCase') + ' ';
  const sel = document.createElement('select');
  sel.dataset.testid = 'case-picker';
  for (const c of cases) {
    const o = document.createElement('option');
    o.value = c.id;
    o.textContent = caseLabel(c) + (c.recording ? ` ● ${t('watchRecording')}` : '');
    o.selected = c.id === active;
    sel.append(o);
  }
  sel.addEventListener('change', () => {
    void setActiveCaseId(db, sel.value).then(() => onChange?.(sel.value));
  });
  label.append(sel);
  el.replaceChildren(label);
  return sel;
}
