// Decoding and resizing in the worker: createImageBitmap applies EXIF orientation, an
// OffscreenCanvas scales the image so its short side is the cache size (never upscaling), and
// both copies are re-encoded as JPEG so the cache stays small.

export interface Decoded {
  width: number;
  height: number;
  pixels: Blob;
  storedWidth: number;
  storedHeight: number;
  thumb: Blob;
}

export class DecodeError extends Error {
  constructor(
    message: string,
    readonly reason: 'undecodable' | 'too-many-pixels' = 'undecodable',
  ) {
    super(message);
  }
}

interface Sizes {
  shortSide: number;
  thumbSide: number;
  /** Checked again after decoding: some headers hide their size past the bytes we sniff. */
  maxPixels: number;
}

export async function decodeAndResize(blob: Blob, { shortSide, thumbSide, maxPixels }: Sizes): Promise<Decoded> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new DecodeError(`the browser could not decode it (${detail || 'corrupt or unsupported data'})`);
  }
  try {
    const { width, height } = bitmap;
    if (width === 0 || height === 0) throw new DecodeError('it decodes to an empty (0-pixel) image');
    if (width * height > maxPixels) {
      const mp = (n: number) => `${(n / 1e6).toFixed(0)} megapixel`;
      throw new DecodeError(`it decodes to ${width}×${height} pixels, over the ${mp(maxPixels)} limit`, 'too-many-pixels');
    }
    const stored = scaleToShortSide(width, height, shortSide);
    const pixels = await encode(bitmap, stored.width, stored.height, 0.92);
    const small = scaleToShortSide(width, height, thumbSide);
    const thumb = await encode(bitmap, small.width, small.height, 0.8);
    return { width, height, pixels, storedWidth: stored.width, storedHeight: stored.height, thumb };
  } finally {
    bitmap.close();
  }
}

export function scaleToShortSide(width: number, height: number, shortSide: number): { width: number; height: number } {
  const scale = Math.min(1, shortSide / Math.min(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

async function encode(bitmap: ImageBitmap, width: number, height: number, quality: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new DecodeError('no 2-D canvas is available in this worker');
  // Images with alpha land on white, as they would on a page.
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  return canvas.convertToBlob({ type: 'image/jpeg', quality });
}
