import { applyI18n } from '../../src/ui/i18n';
import { mountKeySection } from '../../src/ui/options/keys';
import { mountTsaSection } from '../../src/ui/options/tsa';

applyI18n();
mountKeySection(document.getElementById('keys')!);
mountTsaSection(document.getElementById('tsa')!);
