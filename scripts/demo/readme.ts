import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Background } from './assets';
import { countByCategory, type CocoDataset } from './coco';
import { JPEG_QUALITY, SCENE_H, SCENE_W } from './compose';
import { CATEGORIES, EXTRA_LICENCE_FILES, PACKAGES } from './sources';

const GPL2_TEXT = '/usr/share/common-licenses/GPL-2';

export const licenceFileName = (pkg: string): string => `${pkg}.copyright.txt`;

/** Copies each package's Debian copyright file, plus the GPL-2 text they all point to. */
export function writeLicences(root: string, outDir: string): string[] {
  const dir = join(outDir, 'LICENSES');
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const pkg of PACKAGES) {
    copyFileSync(join(root, 'usr/share/doc', pkg, 'copyright'), join(dir, licenceFileName(pkg)));
    written.push(licenceFileName(pkg));
  }
  for (const extra of EXTRA_LICENCE_FILES) {
    const name = `${extra.pkg}.${basename(extra.path)}.txt`;
    copyFileSync(join(root, extra.path), join(dir, name));
    written.push(name);
  }
  // The copyright files cite the Debian system copy of the GPL rather than including it.
  if (existsSync(GPL2_TEXT)) {
    copyFileSync(GPL2_TEXT, join(dir, 'GPL-2.txt'));
    written.push('GPL-2.txt');
  } else {
    console.warn(`warning: ${GPL2_TEXT} not found; LICENSES/GPL-2.txt left as it was`);
  }
  return written;
}

function categoryTable(dataset: CocoDataset): string {
  const counts = countByCategory(dataset);
  const rows = CATEGORIES.map((c, i) => {
    const n = counts[i]?.count ?? 0;
    return `| ${i + 1} | ${c.name} | ${n} | ${c.stamps.join(', ')} (\`stamps/${c.dir}\`) |`;
  });
  return ['| id | category | boxes | tuxpaint stamps used |', '|---|---|---|---|', ...rows].join('\n');
}

function sourcesSection(versions: ReadonlyMap<string, string>, backgrounds: readonly Background[]): string {
  const v = (pkg: string): string => versions.get(pkg) ?? 'unknown';
  const bgLines = backgrounds.map((b) => `  - \`${basename(b.spec.path)}\` (${b.spec.pkg}): ${b.spec.credit}.`);
  return `## Where the pixels come from

All source images come from Debian packages (bookworm), fetched with \`apt-get download\` and
unpacked with \`dpkg-deb --fsys-tarfile\`; nothing is installed.

- **Objects**: photographic cut-outs with alpha masks from \`tuxpaint-stamps-default\` ${v('tuxpaint-stamps-default')}
  (\`/usr/share/tuxpaint/stamps\`). Only photographic stamps were chosen; the drawings and clip-art were left out.
  Licence: the Debian copyright file gives \`Files: *  Copyright: 2002-2022 by Bill Kendrick\` under a licence
  it labels "GPL-2", whose text grants "version 2 of the License, or (at your option) any later version",
  i.e. GPL-2.0-or-later. See [LICENSES/tuxpaint-stamps-default.copyright.txt](LICENSES/tuxpaint-stamps-default.copyright.txt).
- **Backgrounds**: random crops of these photos:
${bgLines.join('\n')}
  \`mate-backgrounds\` ${v('mate-backgrounds')}: every nature photo is GPL-2+ according to
  [LICENSES/mate-backgrounds.copyright.txt](LICENSES/mate-backgrounds.copyright.txt), which names each photographer.
  \`palapeli-data\` ${v('palapeli-data')}: the Debian copyright file puts all files under GPL-2+
  ([LICENSES/palapeli-data.copyright.txt](LICENSES/palapeli-data.copyright.txt)); the upstream puzzle metadata
  for the bridge photo, which credits the photographer and marks it Public Domain, is kept as
  [LICENSES/palapeli-data.cincinnati-bridge.desktop.txt](LICENSES/palapeli-data.cincinnati-bridge.desktop.txt).
  Photos whose subject is a flower, fruit or insect (which would be unlabelled objects of the demo's own
  categories) and the two palapeli photos that upstream marks GFDL were not used.`;
}

function licenceSection(): string {
  return `## Licence

The scenes are derived from GPL-2.0-or-later material (and one public-domain photo), so the images
and \`annotations.json\` in this folder are distributed under the **GNU General Public License,
version 2 or (at your option) any later version**; the full text is in [LICENSES/GPL-2.txt](LICENSES/GPL-2.txt).
This applies to \`public/demo/\` only; it is separate from the licence of the SimDETR Studio code.`;
}

function introSection(dataset: CocoDataset): string {
  return `# SimDETR Studio demo dataset

${dataset.images.length} synthetic scenes (${SCENE_W}×${SCENE_H} JPEG, quality ${JPEG_QUALITY}) with \
${dataset.annotations.length} exact bounding boxes in ${dataset.categories.length} categories.
Each scene is a random crop of a real photo with 2–6 real-photo cut-outs pasted on it at random
scale (8–45% of the image width), position and mirroring; later pastes occlude earlier ones.
The app loads it as its built-in demo: the images are used for unsupervised pretraining, and
the boxes only to evaluate what the model has found.`;
}

function filesSection(): string {
  return `## Files

- \`manifest.json\`: \`{ "images": [...] }\`, the list of files the app fetches.
- \`images/scene_NNN.jpg\`: the scenes.
- \`annotations.json\`: COCO detection format. \`bbox\` is \`[x, y, width, height]\` in pixels, tight around
  the object's *visible* pixels (alpha > 127 after all occlusion); \`area\` is the number of those pixels.
  Objects left with less than 30% of their pasted area, or less than 0.5% of the image, visible are
  removed from the scene itself, so every opaque pasted pixel belongs to a labelled object.
  The backgrounds are unlabelled and may contain things such as plants or buildings.
- \`LICENSES/\`: the copyright files of the source packages and the GPL-2 text.`;
}

function regenerateSection(): string {
  return `## Regenerating

\`npm run demo:make\` (that is, \`npx tsx scripts/demo/make-demo.ts\`) rebuilds this folder on a Debian or
Ubuntu machine with \`apt-get\`, \`dpkg-deb\` and \`tar\`. The random generator is seeded, so a run gives the
same scenes and boxes again, pixel for pixel with the same package versions (listed above) and the
same sharp/libvips version. Set \`DEMO_CACHE_DIR=/some/dir\` to keep the downloaded packages between runs.`;
}

export function writeReadme(
  outDir: string,
  dataset: CocoDataset,
  versions: ReadonlyMap<string, string>,
  backgrounds: readonly Background[],
): void {
  const sections = [
    introSection(dataset),
    filesSection(),
    `## Categories\n\n${categoryTable(dataset)}`,
    sourcesSection(versions, backgrounds),
    licenceSection(),
    regenerateSection(),
  ];
  writeFileSync(join(outDir, 'README.md'), `${sections.join('\n\n')}\n`);
}
