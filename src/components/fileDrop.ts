// Turns what the person drops or picks into files with their folder paths. Dropped folders are
// walked recursively; a directory reader returns its entries in batches, so it is read until
// it returns an empty batch.

import type { IncomingFile } from '../worker/protocol';

/** Folder nesting deeper than this is not followed (guards against symlink loops). */
const MAX_DEPTH = 64;

export interface CollectResult {
  files: IncomingFile[];
  /** Folders that could not be read, with why. */
  problems: string[];
}

/** Must be called inside the drop handler: items are only readable during the event. */
export function entriesFromDataTransfer(dt: DataTransfer): { entries: FileSystemEntry[]; loose: File[] } {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry();
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push(file);
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(dt.files));
  return { entries, loose };
}

export async function collectFromEntries(entries: FileSystemEntry[], loose: File[]): Promise<CollectResult> {
  const result: CollectResult = { files: loose.map((file) => ({ file, path: file.name })), problems: [] };
  for (const entry of entries) await walk(entry, 0, result);
  return result;
}

async function walk(entry: FileSystemEntry, depth: number, out: CollectResult): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '') || entry.name;
  if (entry.isFile) {
    try {
      out.files.push({ file: await fileOf(entry as FileSystemFileEntry), path });
    } catch (err) {
      out.problems.push(`${path}: could not be read (${describe(err)})`);
    }
    return;
  }
  if (!entry.isDirectory) return;
  if (depth >= MAX_DEPTH) {
    out.problems.push(`${path}: nested deeper than ${MAX_DEPTH} folders, not followed`);
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  try {
    for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
      for (const child of batch) await walk(child, depth + 1, out);
    }
  } catch (err) {
    out.problems.push(`${path}: folder could not be read (${describe(err)})`);
  }
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** Files from an <input type="file">; folder pickers give each file its relative path. */
export function filesFromInput(list: FileList | null): IncomingFile[] {
  return Array.from(list ?? [], (file) => ({ file, path: file.webkitRelativePath || file.name }));
}
