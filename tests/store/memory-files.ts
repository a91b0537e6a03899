import type { ArtifactFiles } from '../../src/store/artifacts';

export type MemoryFileMap = Map<string, { bytes: Uint8Array; lastModified: number }>;

/**
 * A second ArtifactFiles for Node tests (the browsers' is the OPFS, tested end to end): capture
 * files in a map, with a clock for the sweep and a switch that makes writes fail like a full disk.
 */
export function memoryArtifactFiles(opts: { bodyClass?: typeof Blob; files?: MemoryFileMap } = {}): ArtifactFiles & {
  files: MemoryFileMap;
  clock: number;
  failWritesAfter: number | null;
  reads: number;
} {
  const files: MemoryFileMap = opts.files ?? new Map();
  const self = {
    kind: 'memory',
    files,
    clock: Date.now(),
    failWritesAfter: null as number | null,
    reads: 0,
    async write(captureId: string, bytes: Uint8Array) {
      if (self.failWritesAfter !== null && self.failWritesAfter-- <= 0) {
        const e = new Error('no space');
        e.name = 'QuotaExceededError';
        throw e;
      }
      files.set(captureId, { bytes: bytes.slice(), lastModified: self.clock });
    },
    async read(captureId: string) {
      const e = files.get(captureId);
      if (!e) return null;
      self.reads++;
      const C = opts.bodyClass ?? Blob;
      return new C([e.bytes as BlobPart]);
    },
    async removeCapture(captureId: string) {
      files.delete(captureId);
    },
    async captures() {
      return [...files].map(([captureId, f]) => ({ captureId, lastModified: async () => f.lastModified }));
    },
  };
  return self;
}
