import { initPopup } from '../../src/ui/popup/popup';

initPopup();
