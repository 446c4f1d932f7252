// collectFromEntries over entry trees shaped as Chromium's FileSystemEntry API gives them (readers
// that hand out entries in batches, callbacks that may fail): a folder nested past the limit, a
// folder whose reader fails midway and a file deleted between the drop and its reading each end as a
// named problem, and everything else readable is still collected.
import { describe, expect, it } from 'vitest';
import { collectFromEntries } from './fileDrop';

type Fail = () => DOMException;

function fileEntry(fullPath: string, fail?: Fail): FileSystemEntry {
  const name = fullPath.split('/').at(-1) ?? '';
  return {
    isFile: true, isDirectory: false, name, fullPath,
    file: (ok: (f: File) => void, bad: (e: DOMException) => void) => queueMicrotask(() => (fail ? bad(fail()) : ok(new File(['x'], name)))),
  } as unknown as FileSystemEntry;
}

/** A folder whose reader gives `batch` entries per call; `failAfter` calls in, it fails instead. */
function dirEntry(fullPath: string, children: FileSystemEntry[], batch = 2, failAfter?: { calls: number; error: Fail }): FileSystemEntry {
  return {
    isFile: false, isDirectory: true, name: fullPath.split('/').at(-1) ?? '', fullPath,
    createReader: () => {
      let at = 0;
      let calls = 0;
      return {
        readEntries: (ok: (e: FileSystemEntry[]) => void, bad: (e: DOMException) => void) =>
          queueMicrotask(() => {
            if (failAfter && calls++ >= failAfter.calls) return bad(failAfter.error());
            ok(children.slice(at, (at += batch)));
          }),
      };
    },
  } as unknown as FileSystemEntry;
}

describe('collectFromEntries', () => {
  it('reads every batch of a folder, keeps loose files, and gives folder paths without the leading slash', async () => {
    const root = dirEntry('/photos', [fileEntry('/photos/a.jpg'), fileEntry('/photos/b.jpg'), dirEntry('/photos/sub', [fileEntry('/photos/sub/c.png')]), fileEntry('/photos/d.jpg')]);
    const { files, problems } = await collectFromEntries([root], [new File(['y'], 'loose.png')]);
    expect(files.map((f) => f.path)).toEqual(['loose.png', 'photos/a.jpg', 'photos/b.jpg', 'photos/sub/c.png', 'photos/d.jpg']);
    expect(problems).toEqual([]);
  });

  it('does not follow folders nested deeper than 64, and says where it stopped', async () => {
    let deepest = dirEntry(`/${Array.from({ length: 70 }, (_, i) => `d${i}`).join('/')}`, [fileEntry('/too-deep.jpg')]);
    for (let i = 69; i > 0; i--) {
      const path = `/${Array.from({ length: i }, (_, j) => `d${j}`).join('/')}`;
      deepest = dirEntry(path, i === 3 ? [fileEntry(`${path}/shallow.jpg`), deepest] : [deepest]);
    }
    const { files, problems } = await collectFromEntries([deepest], []);
    expect(files.map((f) => f.path)).toEqual(['d0/d1/d2/shallow.jpg']);
    expect(problems).toEqual([`${Array.from({ length: 65 }, (_, j) => `d${j}`).join('/')}: nested deeper than 64 folders, not followed`]);
  });

  it('keeps what a failing folder gave before it failed, and names the folder and the file that could not be read', async () => {
    const notReadable = () => new DOMException('A requested file or directory could not be read', 'NotReadableError');
    const gone = () => new DOMException('A requested file or directory could not be found', 'NotFoundError');
    const broken = dirEntry('/set/locked', [fileEntry('/set/locked/1.jpg'), fileEntry('/set/locked/2.jpg'), fileEntry('/set/locked/3.jpg')], 2, { calls: 1, error: notReadable });
    const root = dirEntry('/set', [broken, fileEntry('/set/deleted.jpg', gone), fileEntry('/set/ok.jpg')]);
    const { files, problems } = await collectFromEntries([root], []);
    expect(files.map((f) => f.path)).toEqual(['set/locked/1.jpg', 'set/locked/2.jpg', 'set/ok.jpg']);
    expect(problems).toEqual([
      'set/locked: folder could not be read (A requested file or directory could not be read)',
      'set/deleted.jpg: could not be read (A requested file or directory could not be found)',
    ]);
  });
});
