// The demo dataset shipped in public/demo: its manifest lists the images to ingest.

import type { IngestSource } from './ingest';

export async function demoSources(assetBase: string): Promise<IngestSource[]> {
  const base = new URL(`${assetBase}demo/`, self.location.origin);
  const response = await fetch(new URL('manifest.json', base));
  if (!response.ok) throw new Error(`the demo manifest could not be loaded (HTTP ${response.status})`);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`the demo manifest is not JSON (the server sent ${response.headers.get('content-type') ?? 'no type'}); is public/demo missing?`);
  }
  const names = parseManifest(json);
  return names.map((name) => ({
    path: `demo/${name}`,
    open: async () => {
      const r = await fetch(new URL(`images/${encodeURIComponent(name)}`, base));
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.blob();
    },
  }));
}

function parseManifest(json: unknown): string[] {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { images?: unknown }).images)) {
    throw new Error('the demo manifest should be an object with an "images" array');
  }
  const images: unknown[] = (json as { images: unknown[] }).images;
  return images.map((x, i) => {
    if (typeof x !== 'string') throw new Error(`demo manifest images[${i}] should be a file name, got ${typeof x}`);
    return x;
  });
}
