// The capture script. Not in the manifest: the background injects it (all frames) only into a tab
// the user or the CLI asked to capture, so ordinary browsing leaves no trace of the extension.
import './../src/capture/content/browser-global';
import 'single-file-core/single-file-frames.js';
import { installCollector } from '../src/capture/content/collect';

export default defineContentScript({
  registration: 'runtime',
  main() {
    // Child frames only answer SingleFile's frame-tree requests (set up by the import above).
    if (window === window.top) installCollector();
    return true;
  },
});
