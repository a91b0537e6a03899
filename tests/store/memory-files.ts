import type { ArtifactFiles, PackFiles } from '../../src/store/artifacts';

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

/**
 * The memory store with packs (src/store/packs.ts), as the OPFS has: packs in a second map, each
 * written once and then only erased in place; erasures are counted.
 */
export function memoryPackedFiles(opts: { bodyClass?: typeof Blob } = {}): ReturnType<typeof memoryArtifactFiles> & {
  packs: PackFiles;
  packFiles: MemoryFileMap;
  erasures: number;
  /** Called inside each pack write, before it returns (a test's moment to change the store). */
  onPackWrite: (() => Promise<void>) | null;
} {
  const base = memoryArtifactFiles(opts);
  const packFiles: MemoryFileMap = new Map();
  const self = Object.assign(base, {
    packFiles,
    erasures: 0,
    onPackWrite: null as (() => Promise<void>) | null,
    packs: {
      opfsPath: (name: string) => `packs/${name}`,
      async write(name: string, parts: Blob[]) {
        if (packFiles.has(name)) throw new Error(`pack ${name} exists`);
        const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
        packFiles.set(name, { bytes, lastModified: self.clock });
        await self.onPackWrite?.();
      },
      async read(name: string) {
        const e = packFiles.get(name);
        if (!e) return null;
        const C = opts.bodyClass ?? Blob;
        return new C([e.bytes as BlobPart]);
      },
      async erase(name: string, ranges: readonly { at: number; size: number }[]) {
        const e = packFiles.get(name);
        if (!e) throw Object.assign(new Error(`no pack ${name}`), { name: 'NotFoundError' });
        for (const r of ranges) e.bytes.fill(0, r.at, r.at + r.size);
        self.erasures++;
      },
      async remove(name: string) {
        packFiles.delete(name);
      },
      async list() {
        return [...packFiles].map(([name, f]) => ({ name, lastModified: async () => f.lastModified }));
      },
    } satisfies PackFiles,
  });
  return self;
}
