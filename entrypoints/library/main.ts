import { applyI18n } from '../../src/ui/i18n';
import { mountLibrary } from '../../src/ui/library/page';
import { storageStartup } from '../../src/ui/library/storage-panel';

applyI18n();
void mountLibrary(document.getElementById('library')!);
void storageStartup(document.getElementById('storage-banner')!);
