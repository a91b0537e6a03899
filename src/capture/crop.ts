import type { ElementBox } from './content/protocol';

/** Cuts an element's box out of the full-page screenshot (CSS px → image px by the image's scale). */
export async function cropPng(png: Blob, box: ElementBox, cssWidth: number): Promise<Blob> {
  const bitmap = await createImageBitmap(png);
  const scale = bitmap.width / cssWidth;
  const sx = Math.max(0, Math.floor(box.x * scale));
  const sy = Math.max(0, Math.floor(box.y * scale));
  const w = Math.max(1, Math.min(bitmap.width - sx, Math.ceil(box.width * scale)));
  const h = Math.max(1, Math.min(bitmap.height - sy, Math.ceil(box.height * scale)));
  const canvas = new OffscreenCanvas(w, h);
  canvas.getContext('2d')!.drawImage(bitmap, sx, sy, w, h, 0, 0, w, h);
  bitmap.close();
  return canvas.convertToBlob({ type: 'image/png' });
}
