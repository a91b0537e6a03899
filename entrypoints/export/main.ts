import { initExportPage } from '../../src/ui/export-page';

initExportPage();
