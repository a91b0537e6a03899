/**
 * The dedicated worker behind opfsPartsWriter (src/bundle/opfs-sink.ts): answers a probe with
 * whether it can work (synchronous access handles exist only in dedicated workers, and not in every
 * browser), then runs one writeParts request and answers with its size or its error. Bundled by Vite
 * from the `new Worker(new URL(...))` in opfs-sink.ts; an extension file, not web-accessible.
 */
import { writeParts, type PartsDir, type WritePartsProgress, type WritePartsReply, type WritePartsRequest } from './write-parts';

const scope = self as unknown as { postMessage(m: WritePartsReply | WritePartsProgress): void; onmessage: ((e: MessageEvent<WritePartsRequest | { type: 'probe' }>) => void) | null };
const supported = typeof FileSystemFileHandle !== 'undefined' && 'createSyncAccessHandle' in FileSystemFileHandle.prototype && !!navigator.storage?.getDirectory;
scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'probe') {
    scope.postMessage({ type: supported ? 'ready' : 'unsupported' });
    return;
  }
  scope.onmessage = null; // one request per worker
  void (async () => {
    try {
      const root = (await navigator.storage.getDirectory()) as unknown as PartsDir;
      scope.postMessage({ type: 'done', size: await writeParts(root, m, undefined, (bytes, part) => scope.postMessage({ type: 'progress', bytes, part })) });
    } catch (err) {
      scope.postMessage({ type: 'failed', error: (err as Error).message });
    }
  })();
};
