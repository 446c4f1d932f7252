/**
 * Builds public/demo: synthetic multi-object scenes with exact boxes, made from real
 * photos in Debian packages. Run with `npm run demo:make`. See public/demo/README.md.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBackgrounds, loadCutouts } from './assets';
import { CocoBuilder, countByCategory, sceneFileName } from './coco';
import { composeScene, SCENE_H, SCENE_W } from './compose';
import { unpackPackages } from './debian';
import { writeLicences, writeReadme } from './readme';
import { Rng } from './rng';
import { CATEGORIES, PACKAGES } from './sources';

const SCENE_COUNT = 80;
const SEED = 20250101;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = join(repoRoot, 'public/demo');

async function buildScenes(root: string): Promise<{ builder: CocoBuilder; bytes: number }> {
  const groups = await loadCutouts(root);
  const backgrounds = await loadBackgrounds(root);
  const rng = new Rng(SEED);
  const builder = new CocoBuilder(CATEGORIES);
  let bytes = 0;
  for (let i = 0; i < SCENE_COUNT; i++) {
    const scene = await composeScene(groups, backgrounds, rng);
    const fileName = sceneFileName(i);
    writeFileSync(join(outDir, 'images', fileName), scene.jpeg);
    builder.addImage(fileName, SCENE_W, SCENE_H, scene.objects);
    bytes += scene.jpeg.length;
  }
  return { builder, bytes };
}

async function main(): Promise<void> {
  const packages = unpackPackages(PACKAGES, process.env['DEMO_CACHE_DIR'] || undefined);
  try {
    // Start from an empty images folder so that no scene from an older, longer run lingers.
    rmSync(join(outDir, 'images'), { recursive: true, force: true });
    mkdirSync(join(outDir, 'images'), { recursive: true });

    const { builder, bytes } = await buildScenes(packages.root);
    const dataset = builder.build();
    writeFileSync(join(outDir, 'annotations.json'), `${JSON.stringify(dataset)}\n`);
    writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(builder.manifest(), null, 2)}\n`);
    const licences = writeLicences(packages.root, outDir);
    writeReadme(outDir, dataset, packages.versions, await loadBackgrounds(packages.root));

    console.log(`wrote ${dataset.images.length} scenes (${(bytes / 1e6).toFixed(2)} MB of JPEG), ` +
      `${dataset.annotations.length} boxes, licences: ${licences.join(', ')}`);
    for (const { name, count } of countByCategory(dataset)) console.log(`  ${name.padEnd(12)} ${count}`);
  } finally {
    packages.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
