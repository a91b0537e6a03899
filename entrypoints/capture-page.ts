// The capture script. Not in the manifest: the background injects it (all frames) only into a tab
// the user or the CLI asked to capture. An unlisted script rather than a WXT content script, whose
// wrapper announces itself to the page with a DOM event: a page that can tell it is being captured
// could change what it shows.
import '../src/capture/content/browser-global';
import 'single-file-core/single-file-frames.js';
import { installCollector } from '../src/capture/content/collect';

export default defineUnlistedScript({
  globalName: false,
  main() {
    // Child frames only answer SingleFile's frame-tree requests (set up by the import above).
    if (window === window.top) installCollector();
    return true;
  },
});
