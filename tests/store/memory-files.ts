import type { ArtifactFiles } from '../../src/store/artifacts';

/**
 * A second ArtifactFiles for Node tests (the browsers' is the OPFS, tested end to end): bodies in
 * a map, with a clock for the sweep and a switch that makes writes fail like a full disk.
 */
export function memoryArtifactFiles(opts: { bodyClass?: typeof Blob; folders?: Map<string, Map<string, { body: Uint8Array; lastModified: number }>> } = {}): ArtifactFiles & {
  folders: Map<string, Map<string, { body: Uint8Array; lastModified: number }>>;
  clock: number;
  failWritesAfter: number | null;
  reads: number;
} {
  const folders = opts.folders ?? new Map<string, Map<string, { body: Uint8Array; lastModified: number }>>();
  const self = {
    kind: 'memory',
    folders,
    clock: Date.now(),
    failWritesAfter: null as number | null,
    reads: 0,
    async write(captureId: string, path: string, body: Uint8Array) {
      if (self.failWritesAfter !== null && self.failWritesAfter-- <= 0) {
        const e = new Error('no space');
        e.name = 'QuotaExceededError';
        throw e;
      }
      let f = folders.get(captureId);
      if (!f) folders.set(captureId, (f = new Map()));
      f.set(path, { body: body.slice(), lastModified: self.clock });
    },
    async read(captureId: string, path: string) {
      const e = folders.get(captureId)?.get(path);
      if (!e) return null;
      self.reads++;
      const C = opts.bodyClass ?? Blob;
      return new C([e.body as BlobPart]);
    },
    async removeCapture(captureId: string) {
      folders.delete(captureId);
    },
    async captures() {
      return [...folders].map(([captureId, f]) => ({ captureId, lastModified: Math.max(0, ...[...f.values()].map((x) => x.lastModified)) }));
    },
  };
  return self;
}
