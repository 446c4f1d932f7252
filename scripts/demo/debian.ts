import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A directory tree holding the unpacked contents of some Debian packages. */
export interface UnpackedPackages {
  /** Plays the role of `/` for the packages: files live under `root/usr/share/...`. */
  readonly root: string;
  /** Debian version of each package, e.g. '2022.06.04-1', for the provenance notes. */
  readonly versions: ReadonlyMap<string, string>;
  /** Removes the working directory unless it is a cache the caller asked to keep. */
  cleanup(): void;
}

function requireTool(tool: string): void {
  const probe = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      `'${tool}' is not available. make-demo needs a Debian/Ubuntu machine with apt-get, dpkg-deb and tar ` +
        '(the packages are only downloaded and unpacked, never installed).',
    );
  }
}

function download(packages: readonly string[], debDir: string): void {
  console.log(`apt-get download ${packages.join(' ')}`);
  const run = spawnSync('apt-get', ['download', ...packages], { cwd: debDir, stdio: 'inherit' });
  if (run.error !== undefined || run.status !== 0) {
    throw new Error(
      'apt-get download failed. Check that the machine can reach a Debian mirror and that the package ' +
        `lists are current (run 'sudo apt-get update'), then retry. Packages: ${packages.join(', ')}`,
    );
  }
}

function findDeb(debDir: string, pkg: string): string {
  // apt-get names files PKG_VERSION_ARCH.deb, with ':' in epochs escaped as '%3a'.
  const match = readdirSync(debDir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (match === undefined) throw new Error(`no .deb for ${pkg} in ${debDir} after apt-get download`);
  return join(debDir, match);
}

function debVersion(deb: string): string {
  const run = spawnSync('dpkg-deb', ['--field', deb, 'Version'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`could not read the version of ${deb}`);
  return run.stdout.trim();
}

function extract(deb: string, root: string): void {
  // Positional arguments keep paths out of the shell string; pipefail makes a dpkg-deb
  // failure visible even though tar is the last command in the pipe.
  const script = 'set -o pipefail; dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2"';
  const run = spawnSync('bash', ['-c', script, 'extract', deb, root], { stdio: 'inherit' });
  if (run.error !== undefined || run.status !== 0) throw new Error(`could not unpack ${deb}`);
}

function fetchMissing(missing: readonly string[], debDir: string, root: string, marker: (pkg: string) => string): void {
  if (missing.length === 0) {
    console.log(`reusing unpacked packages in ${dirname(root)}`);
    return;
  }
  requireTool('apt-get');
  requireTool('dpkg-deb');
  download(missing, debDir);
  for (const pkg of missing) {
    const deb = findDeb(debDir, pkg);
    extract(deb, root);
    // The marker holds the version so that a cached tree still reports it.
    writeFileSync(marker(pkg), debVersion(deb));
  }
}

/**
 * Downloads and unpacks the packages. With `cacheDir` the download and the unpacked tree
 * are kept and reused on the next run (handy while tuning the composer); without it
 * everything goes into a fresh temp dir that cleanup() deletes.
 */
export function unpackPackages(packages: readonly string[], cacheDir?: string): UnpackedPackages {
  const workDir = cacheDir ?? mkdtempSync(join(tmpdir(), 'simdetr-demo-'));
  const debDir = join(workDir, 'debs');
  const root = join(workDir, 'root');
  mkdirSync(debDir, { recursive: true });
  mkdirSync(root, { recursive: true });

  const marker = (pkg: string): string => join(workDir, `.unpacked-${pkg}`);
  try {
    fetchMissing(packages.filter((pkg) => !existsSync(marker(pkg))), debDir, root, marker);
  } catch (err) {
    // A half-made temp dir is of no use to anyone; a cache dir is kept for inspection.
    if (cacheDir === undefined) rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  const versions = new Map(packages.map((pkg) => [pkg, readFileSync(marker(pkg), 'utf8')]));

  return {
    root,
    versions,
    cleanup: () => {
      if (cacheDir === undefined) rmSync(workDir, { recursive: true, force: true });
    },
  };
}
