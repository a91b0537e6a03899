import { bootLibrary } from '../src/ui/library/boot';

// library.html loads this classic script first in its head, so the store read starts before the
// page's modules and stylesheet have loaded (see src/ui/library/boot.ts).
export default defineUnlistedScript({
  globalName: false,
  main() {
    void bootLibrary();
  },
});
