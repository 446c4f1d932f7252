// Saving a file the worker made. Where the File System Access API exists the person picks the
// place first — the picker needs the click's user activation, which an export that takes seconds
// would outlive — and the bytes are written when they arrive; elsewhere an <a download> of a Blob
// URL saves them into the downloads folder.

interface WritableLike {
  write(data: Blob): Promise<void>;
  close(): Promise<void>;
}
interface SaveHandleLike {
  createWritable(): Promise<WritableLike>;
}
type SavePicker = (options: { suggestedName: string; types: { description: string; accept: Record<string, string[]> }[] }) => Promise<SaveHandleLike>;

/** Where to write: a picked file, the downloads fallback, or null when the person cancelled the picker. */
export type SaveTarget = { kind: 'handle'; handle: SaveHandleLike } | { kind: 'download' };

/** What is saved: the picker's file type. */
export interface SaveKind {
  description: string;
  mime: string;
  extension: string;
}

export const ZIP: SaveKind = { description: 'Zip archive', mime: 'application/zip', extension: '.zip' };
export const JSON_FILE: SaveKind = { description: 'JSON', mime: 'application/json', extension: '.json' };

export async function chooseSaveTarget(suggestedName: string, kind: SaveKind = ZIP): Promise<SaveTarget | null> {
  const picker: unknown = (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
  if (typeof picker !== 'function') return { kind: 'download' };
  try {
    const handle = await (picker as SavePicker).call(window, {
      suggestedName,
      types: [{ description: kind.description, accept: { [kind.mime]: [kind.extension] } }],
    });
    return { kind: 'handle', handle };
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return null;
    throw err;
  }
}

export async function saveBytes(target: SaveTarget, bytes: Uint8Array, fileName: string, kind: SaveKind = ZIP): Promise<void> {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: kind.mime });
  if (target.kind === 'handle') {
    const writable = await target.handle.createWritable();
    await writable.write(blob);
    await writable.close();
    return;
  }
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // The click starts the download synchronously from the URL; revoking later leaves it time to.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
