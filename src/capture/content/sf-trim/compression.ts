/**
 * Stands in for single-file-core's `processors/compression/compression.js` in the capture script
 * (aliased in wxt.config.ts): SingleFile's zip and self-extracting page output, with zip.js and its
 * worker scripts inlined. Jianzheng never asks for it (no `compressContent`): its snapshot is plain
 * HTML and its bundles are written by src/bundle.
 */
export async function process(): Promise<never> {
  throw new Error('compressed (zip) page output is not part of Jianzheng’s capture script');
}
