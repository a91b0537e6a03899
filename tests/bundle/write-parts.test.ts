import { describe, expect, it } from 'vitest';
import { writeParts, type PartsDir, type SyncHandle } from '../../src/bundle/write-parts';
import { PartsListOut } from '../../src/bundle/zip-writer';

/** An in-memory OPFS with synchronous handles, counting the handles still open. */
function memoryDir(files: Map<string, Uint8Array>) {
  const state = { open: 0, opened: 0, readSizes: [] as number[] };
  const handle = (path: string, create: boolean): SyncHandle => {
    if (!files.has(path)) {
      if (!create) throw Object.assign(new Error('not found'), { name: 'NotFoundError' });
      files.set(path, new Uint8Array(0));
    }
    state.open++;
    state.opened++;
    let closed = false;
    return {
      getSize: () => files.get(path)!.length,
      read(buf, { at }) {
        const src = files.get(path)!.subarray(at, at + buf.length);
        buf.set(src);
        state.readSizes.push(src.length);
        return src.length;
      },
      write(buf, { at }) {
        const cur = files.get(path)!;
        const next = new Uint8Array(Math.max(cur.length, at + buf.length));
        next.set(cur);
        next.set(buf, at);
        files.set(path, next);
        return buf.length;
      },
      truncate(size) {
        files.set(path, files.get(path)!.slice(0, size));
      },
      flush() {},
      close() {
        if (!closed) state.open--;
        closed = true;
      },
    };
  };
  const dir = (prefix: string): PartsDir => ({
    async getDirectoryHandle(name) {
      return dir(`${prefix}${name}/`);
    },
    async getFileHandle(name, opts) {
      const path = prefix + name;
      if (!opts?.create && !files.has(path)) throw Object.assign(new Error('not found'), { name: 'NotFoundError' });
      return { createSyncAccessHandle: async () => handle(path, !!opts?.create) };
    },
  });
  return { root: dir(''), state };
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('writeParts (the worker that writes a laid-out bundle into one OPFS file)', () => {
  it('writes bytes and named files in order, each file copied whole', async () => {
    const files = new Map([
      ['artifacts/a', bytes('AAAA')],
      ['artifacts/b', bytes('BB')],
    ]);
    const { root, state } = memoryDir(files);
    const parts = [bytes('head|'), { opfsPath: 'artifacts/a', size: 4 }, bytes('|'), { opfsPath: 'artifacts/b', size: 2 }, bytes('|tail')];
    const size = await writeParts(root, { type: 'write', out: 'export-x.zip', parts });
    expect(text(files.get('export-x.zip'))).toBe('head|AAAA|BB|tail');
    expect(size).toBe(17);
    expect(state.open).toBe(0);
  });

  it('copies chunks out of a pack by offset, opening the pack once, and refuses a pack shorter than recorded', async () => {
    const files = new Map([['packs/p1', bytes('xxAAAyBBzz')]]);
    const { root, state } = memoryDir(files);
    const parts = [bytes('<'), { opfsPath: 'packs/p1', offset: 2, size: 3 }, bytes('|'), { opfsPath: 'packs/p1', offset: 6, size: 2 }, bytes('>')];
    expect(await writeParts(root, { type: 'write', out: 'o.zip', parts })).toBe(8);
    expect(text(files.get('o.zip'))).toBe('<AAA|BB>');
    expect(state.opened).toBe(2); // the output and the pack, once
    expect(state.open).toBe(0);
    await expect(writeParts(root, { type: 'write', out: 'o.zip', parts: [{ opfsPath: 'packs/p1', offset: 8, size: 5 }] })).rejects.toThrow('packs/p1: the stored file has 10 bytes where 5 at 8 were recorded');
    expect(state.open).toBe(0);
  });

  it('PartsListOut joins chunks that follow each other in a pack into one copy', async () => {
    const out = new PartsListOut();
    await out.write({ opfsPath: 'packs/p', offset: 0, size: 5, label: 'captures/a/' });
    await out.write({ opfsPath: 'packs/p', offset: 5, size: 7, label: 'captures/b/' });
    await out.write({ opfsPath: 'packs/p', offset: 20, size: 1 }); // a gap: a new copy
    await out.write({ opfsPath: 'artifacts/c', size: 3 });
    await out.close();
    expect(out.parts).toEqual([
      { opfsPath: 'packs/p', offset: 0, size: 12, label: 'captures/a/' },
      { opfsPath: 'packs/p', offset: 20, size: 1 },
      { opfsPath: 'artifacts/c', size: 3 },
    ]);
  });

  it('reports progress every 32 MB or so while it writes', async () => {
    const big = new Uint8Array(70 * 1024 * 1024);
    const { root } = memoryDir(new Map([['artifacts/big', big]]));
    const seen: [number, number][] = [];
    await writeParts(root, { type: 'write', out: 'o.zip', parts: [bytes('h'), { opfsPath: 'artifacts/big', size: big.length }] }, undefined, (n, part) => seen.push([n, part]));
    // At the first named file (part 1, after the 1-byte header), then every 32 MB within it.
    expect(seen[0]).toEqual([1, 1]);
    expect(seen.length).toBe(3);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]![0] - seen[i - 1]![0]).toBeGreaterThanOrEqual(32 * 1024 * 1024);
      expect(seen[i]![1]).toBe(1);
    }
  });

  it('fails naming the file when it is missing or not the size its record says, and closes every handle', async () => {
    const files = new Map(Array.from({ length: 20 }, (_, i) => [`artifacts/c${i}`, bytes('x'.repeat(10))] as [string, Uint8Array]));
    const { root, state } = memoryDir(files);
    const refs = [...files.keys()].map((opfsPath) => ({ opfsPath, size: 10 }));
    refs[3] = { opfsPath: 'artifacts/c3', size: 11 };
    await expect(writeParts(root, { type: 'write', out: 'o.zip', parts: refs })).rejects.toThrow('artifacts/c3: the stored file has 10 bytes where 11 were recorded (store damaged?)');
    await new Promise((r) => setTimeout(r, 0));
    expect(state.open).toBe(0); // including the files opened ahead
    await expect(writeParts(root, { type: 'write', out: 'o.zip', parts: [{ opfsPath: 'artifacts/gone', size: 1 }] })).rejects.toThrow('artifacts/gone: the stored file is missing (store damaged?)');
    await expect(writeParts(root, { type: 'write', out: 'o.zip', parts: [bytes('x')] }, () => true)).rejects.toThrow('cancelled');
  });
});

describe('PartsListOut', () => {
  it('gathers byte parts between named files, keeps the files in place, and refuses Blobs', async () => {
    const out = new PartsListOut();
    await out.write(bytes('a'));
    await out.write(bytes('bc'));
    await out.write({ opfsPath: 'artifacts/x', size: 5 });
    await out.write(bytes('d'));
    await out.close();
    expect(out.parts.map((p) => (p instanceof Uint8Array ? text(p) : p.opfsPath))).toEqual(['abc', 'artifacts/x', 'd']);
    await expect(out.write(new Blob(['e']))).rejects.toThrow('not as Blobs');
  });
});
