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

/**
 * Drops `dir` (as one top-level folder named after `folderName`) onto the element with testId.
 * Directory readers hand out `batchSize` entries per call: Chromium's real ones give up to 100.
 */
export async function dropFolder(page: Page, dir: string, folderName: string, testId = 'drop-zone', batchSize = 2): Promise<void> {
  const files = listFiles(dir);
  await page.getByTestId(testId).evaluate(
    (target, { files, folderName, batchSize }) => {
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
      // Every callback comes in a task of its own, as a browser's do. Not setTimeout: nested
      // timers are clamped to 4 ms, which would add 20 s to a folder of 5,000 files.
      const queue: (() => void)[] = [];
      const channel = new MessageChannel();
      channel.port1.onmessage = () => queue.shift()?.();
      const later = (fn: () => void) => {
        queue.push(fn);
        channel.port2.postMessage(null);
      };
      const fileEntry = (file: File, dirPath: string) => ({
        isFile: true, isDirectory: false, name: file.name, fullPath: `${dirPath}/${file.name}`,
        file: (ok: (f: File) => void) => later(() => ok(file)),
      });
      const dirEntry = (node: Node): unknown => ({
        isFile: false, isDirectory: true, name: node.name, fullPath: node.fullPath,
        createReader: () => {
          const all = [...[...node.dirs.values()].map(dirEntry), ...node.files.map((f) => fileEntry(f, node.fullPath))];
          let offset = 0;
          // Real readers hand out entries in batches; 2 at a time (the default) makes any single-read bug show.
          return { readEntries: (ok: (batch: unknown[]) => void) => later(() => ok(all.slice(offset, (offset += batchSize)))) };
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
    { files, folderName, batchSize },
  );
}
