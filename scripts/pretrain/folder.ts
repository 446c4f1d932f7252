// Checks on --images before a browser starts: the folder exists, is a folder and holds files.
// Which files are images, and why the others are not, is the studio's own decision (its ingest),
// made on what Chromium's folder picker hands it — the same walk as a person's pick.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Regular files under `dir`, recursively (symbolic links followed, as a folder picker does). */
function countFiles(dir: string, depth = 0): number {
  if (depth > 64) return 0;
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    try {
      const st = statSync(path);
      if (st.isDirectory()) n += countFiles(path, depth + 1);
      else if (st.isFile()) n += 1;
    } catch {
      // A dangling link or an unreadable entry is no file to offer.
    }
  }
  return n;
}

/** The number of files in the folder; throws, naming the folder, when there is nothing to read. */
export function checkImageFolder(dir: string): number {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new Error(`--images ${dir}: no such folder`);
  }
  if (!st.isDirectory()) throw new Error(`--images ${dir}: is a file, not a folder`);
  let files: number;
  try {
    files = countFiles(dir);
  } catch (err) {
    throw new Error(`--images ${dir}: the folder could not be read (${err instanceof Error ? err.message : String(err)})`);
  }
  if (files === 0) throw new Error(`--images ${dir}: the folder is empty (no files in it or in its subfolders)`);
  return files;
}
