// Pixels of the cached copies for the ML stages, and small crops for the cluster gallery.

import type { RgbaImage } from '../core/proposalStage';

export async function decodeRgba(blob: Blob): Promise<RgbaImage> {
  const bitmap = await createImageBitmap(blob);
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2-D canvas is available in this worker');
    ctx.drawImage(bitmap, 0, 0);
    const { data, width, height } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { data, width, height };
  } finally {
    bitmap.close();
  }
}

/** The region x1, y1, x2, y2 of `source`, fitted into a side × side JPEG. */
export async function cropToJpeg(source: ImageBitmap, box: ArrayLike<number>, side: number): Promise<Blob> {
  const [x1 = 0, y1 = 0, x2 = 1, y2 = 1] = Array.from(box);
  const w = Math.max(1, x2 - x1);
  const h = Math.max(1, y2 - y1);
  const scale = side / Math.max(w, h);
  const canvas = new OffscreenCanvas(Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale)));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2-D canvas is available in this worker');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, x1, y1, w, h, 0, 0, canvas.width, canvas.height);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
}
