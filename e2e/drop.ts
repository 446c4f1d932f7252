// Drops a folder tree on the page the way a browser does: a DataTransfer-like object whose items
// give FileSystemEntry objects, with directory readers that return entries in small batches.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Page } from '@playwright/test';

interface WireFile {
  path: string;
  base64: string;
}

function listFiles(root: string, dir = root): WireFile[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return listFiles(root, full);
    return [{ path: relative(root, full).split('\\').join('/'), base64: readFileSync(full).toString('base64') }];
  });
}

/** Drops `dir` (as one top-level folder named after `folderName`) onto the element with testId. */
export async function dropFolder(page: Page, dir: string, folderName: string, testId = 'drop-zone'): Promise<void> {
  const files = listFiles(dir);
  await page.getByTestId(testId).evaluate(
    (target, { files, folderName }) => {
      type Node = { dirs: Map<string, Node>; files: File[]; name: string; fullPath: string };
      const root: Node = { dirs: new Map(), files: [], name: folderName, fullPath: `/${folderName}` };
      for (const f of files) {
        const parts = f.path.split('/');
        const fileName = parts.pop() ?? '';
        let node = root;
        for (const part of parts) {
          let child = node.dirs.get(part);
          if (!child) {
            child = { dirs: new Map(), files: [], name: part, fullPath: `${node.fullPath}/${part}` };
            node.dirs.set(part, child);
          }
          node = child;
        }
        const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
        node.files.push(new File([bytes], fileName));
      }
      const fileEntry = (file: File, dirPath: string) => ({
        isFile: true, isDirectory: false, name: file.name, fullPath: `${dirPath}/${file.name}`,
        file: (ok: (f: File) => void) => setTimeout(() => ok(file), 0),
      });
      const dirEntry = (node: Node): unknown => ({
        isFile: false, isDirectory: true, name: node.name, fullPath: node.fullPath,
        createReader: () => {
          const all = [...[...node.dirs.values()].map(dirEntry), ...node.files.map((f) => fileEntry(f, node.fullPath))];
          let offset = 0;
          // Real readers hand out entries in batches; 2 at a time makes any single-read bug show.
          return { readEntries: (ok: (batch: unknown[]) => void) => setTimeout(() => ok(all.slice(offset, (offset += 2))), 0) };
        },
      });
      const item = { kind: 'file', type: '', webkitGetAsEntry: () => dirEntry(root), getAsFile: () => null };
      const dataTransfer = { items: [item], files: [], types: ['Files'], dropEffect: 'none' };
      for (const type of ['dragenter', 'dragover', 'drop']) {
        const event = new Event(type, { bubbles: true, cancelable: true });
        Object.defineProperty(event, 'dataTransfer', { value: dataTransfer });
        target.dispatchEvent(event);
      }
    },
    { files, folderName },
  );
}
