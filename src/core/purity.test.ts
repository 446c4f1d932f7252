// core/ runs in the worker and in Node alike: it must not reach for React, the store, the
// worker or any DOM/worker global. This test reads every non-test core file and fails on one.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = join(__dirname);
const files = readdirSync(CORE).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

const FORBIDDEN_IMPORTS = [/^react(-dom)?(\/|$)/, /^zustand/, /\/store\//, /\/worker\//, /\/panels\//, /\/components\//, /^node:/, /^fs$/];
const FORBIDDEN_GLOBALS = ['window', 'document', 'self', 'navigator', 'localStorage', 'indexedDB', 'postMessage'];

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

function stripStrings(source: string): string {
  return source.replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, "''");
}

function globalsUsed(source: string): string[] {
  const code = stripStrings(source);
  return FORBIDDEN_GLOBALS.filter((g) => new RegExp(`(?<![\\w.])${g}\\b(?!\\s*:)`).test(code));
}

function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? '',
  );
}

describe('core purity', () => {
  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    it(`${file} imports nothing from the UI, the store, the worker or Node`, () => {
      const source = stripComments(readFileSync(join(CORE, file), 'utf8'));
      const bad = importsOf(source).filter((spec) => FORBIDDEN_IMPORTS.some((re) => re.test(spec)));
      expect(bad).toEqual([]);
      expect(globalsUsed(source)).toEqual([]);
    });
  }

  it('the checker itself catches a forbidden import and global', () => {
    const sample = "import { create } from 'zustand';\nconst w = window.innerWidth; const s = 'a PDF document';";
    expect(importsOf(sample)).toEqual(['zustand']);
    expect(globalsUsed(sample)).toEqual(['window']);
  });
});
