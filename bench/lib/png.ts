/**
 * Screenshot comparison for the fidelity benchmark. The decoder is the e2e one (tests/e2e/png.ts)
 * with raw pixel access, since a full-page picture has millions of pixels and a per-pixel closure
 * would dominate the time.
 */

export { decodePng, type RawImage } from '../../tests/e2e/png';
import type { RawImage } from '../../tests/e2e/png';

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
