// The studio, built and served locally, in a headless Chromium. The build goes to a folder named
// after a fingerprint of the sources (under node_modules/.cache), so a run never serves a stale
// build and never races the e2e suite's dist/. The browser keeps its profile in the run's folder:
// the studio's IndexedDB (image cache, proposals, checkpoints) is what --resume continues from.

import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../../e2e/browser';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'simdetr-pretrain');
const BUILD_INPUTS = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json'];
/** Builds kept besides the one in use; older ones go once they are an hour old (a run may still serve one). */
const KEEP_BUILDS = 3;

function walk(path: string, out: string[]): void {
  if (!existsSync(path)) return;
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) if (name !== '__pycache__') walk(join(path, name), out);
  } else out.push(`${relative(ROOT, path)}\0${st.size}\0${st.mtimeMs}`);
}

/** The built studio for the sources as they are now: reused when nothing changed, else built. */
export async function builtApp(): Promise<string> {
  const files: string[] = [];
  for (const input of BUILD_INPUTS) walk(join(ROOT, input), files);
  const dir = join(CACHE, `dist-${createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, 'index.html'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  await build({ root: ROOT, logLevel: 'error', build: { outDir: tmp, emptyOutDir: true } });
  if (existsSync(join(dir, 'index.html'))) rmSync(tmp, { recursive: true, force: true });
  else {
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  pruneBuilds(dir);
  return dir;
}

function pruneBuilds(current: string): void {
  const old = readdirSync(CACHE)
    .filter((n) => n.startsWith('dist-') && join(CACHE, n) !== current)
    .map((n) => ({ path: join(CACHE, n), mtime: statSync(join(CACHE, n)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const b of old.slice(KEEP_BUILDS)) if (Date.now() - b.mtime > 3_600_000) rmSync(b.path, { recursive: true, force: true });
}

export async function serve(dir: string, port: number): Promise<PreviewServer> {
  try {
    return await preview({ root: ROOT, logLevel: 'error', build: { outDir: dir }, preview: { port, strictPort: true, host: '127.0.0.1' } });
  } catch (err) {
    const inUse = err instanceof Error && /EADDRINUSE|already in use/i.test(err.message);
    if (inUse) {
      throw new Error(`port ${port} is in use (another pretrain run?): a new run can take another with --port <N>; a resumed run needs its own, since the studio's saved state belongs to that address`);
    }
    throw err;
  }
}

/** A GPU the browser could use: then Chromium gets the flags that put WebGPU and WebGL on it. */
export function hasGpu(): boolean {
  const dri = existsSync('/dev/dri') && readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  return existsSync('/dev/nvidia0') || dri;
}

// Headless Chromium renders in software unless told to use Vulkan (WebGPU) and ANGLE on Vulkan (WebGL).
const GPU_ARGS = ['--use-angle=vulkan', '--enable-features=Vulkan', '--disable-vulkan-surface', '--ignore-gpu-blocklist', '--enable-gpu'];

export interface Browser {
  context: BrowserContext;
  page: Page;
  executable: string;
  version: string;
  args: string[];
}

export async function openBrowser(opts: { executable: string | null; profile: string; gpu: boolean }): Promise<Browser> {
  const executable = opts.executable ?? findChromium();
  if (!existsSync(executable)) throw new Error(`--browser ${executable}: no such file`);
  const args = [...CHROMIUM_ARGS, ...(opts.gpu ? GPU_ARGS : [])];
  const context = await chromium.launchPersistentContext(opts.profile, { executablePath: executable, args, headless: true, viewport: { width: 1280, height: 800 } });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, executable, version: context.browser()?.version() ?? 'unknown', args };
}

/**
 * The message of a failure, without what Playwright wraps around an error thrown in the page (its
 * "page.evaluate: Error:" prefix and the minified bundle's stack).
 */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').filter((line) => !/^\s+at /.test(line)).join('\n').replace(/^page\.evaluate: (Error: )?/, '').trim();
}
