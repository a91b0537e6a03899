/**
 * Screenshot comparison for the fidelity benchmark. The decoder is the e2e one (tests/e2e/png.ts)
 * with raw pixel access, since a full-page picture has millions of pixels and a per-pixel closure
 * would dominate the time.
 */
import { inflateSync } from 'node:zlib';

export interface RawImage {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA) bytes a pixel, rows without filter bytes. */
  bpp: number;
  data: Uint8Array;
}

export function decodePng(png: Uint8Array): RawImage {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (pos < b.length) {
    const len = b.readUInt32BE(pos);
    const type = b.toString('ascii', pos + 4, pos + 8);
    const data = b.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8) throw new Error('only 8-bit PNGs');
      if (data[12] !== 0) throw new Error('interlaced PNGs are not supported');
      colorType = data[9]!;
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  if (!bpp) throw new Error(`PNG colour type ${colorType} not supported`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const up = y > 0 ? out[prev + x]! : 0;
      let v = raw[src + x]!;
      if (f === 1) v += a;
      else if (f === 2) v += up;
      else if (f === 3) v += (a + up) >> 1;
      else if (f === 4) {
        const c = x >= bpp && y > 0 ? out[prev + x - bpp]! : 0;
        const p = a + up - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - up), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      }
      out[row + x] = v & 255;
    }
  }
  return { width, height, bpp, data: out };
}

/**
 * Share of the reference (live) image's pixels that the candidate reproduces: same position, every
 * RGB channel within `tolerance`. Where the candidate is smaller it counts as padding, i.e. a miss.
 */
export function matchingShare(reference: RawImage, candidate: RawImage, tolerance = 16): number {
  const w = Math.min(reference.width, candidate.width);
  const h = Math.min(reference.height, candidate.height);
  let same = 0;
  for (let y = 0; y < h; y++) {
    let r = y * reference.width * reference.bpp;
    let c = y * candidate.width * candidate.bpp;
    for (let x = 0; x < w; x++, r += reference.bpp, c += candidate.bpp) {
      if (
        Math.abs(reference.data[r]! - candidate.data[c]!) <= tolerance &&
        Math.abs(reference.data[r + 1]! - candidate.data[c + 1]!) <= tolerance &&
        Math.abs(reference.data[r + 2]! - candidate.data[c + 2]!) <= tolerance
      )
        same++;
    }
  }
  return same / (reference.width * reference.height);
}
