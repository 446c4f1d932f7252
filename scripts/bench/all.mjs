// npm run bench — every benchmark in one run, then bench/results.json gathering their outputs.
// Each benchmark measures ratios within its own run (DESIGN §7); absolute times on shared
// machines say little.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const BENCHES = [
  { name: 'ingest', run: ['node', 'scripts/bench/ingest.mjs'], out: 'bench/out/ingest.json' },
  { name: 'proposals', run: ['node', 'scripts/bench/proposals.mjs'], out: 'bench/out/proposals.json' },
  { name: 'training', run: ['node', 'scripts/bench/training.mjs'], out: 'bench/out/training.json' },
  { name: 'soak', run: ['npx', 'tsx', 'scripts/bench/soak.ts'], out: 'bench/out/soak.json' },
];

spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
const results = { machine: { platform: process.platform, arch: process.arch, node: process.version }, at: new Date().toISOString() };
let failed = 0;
for (const b of BENCHES) {
  console.log(`\n== ${b.name} ==`);
  const [command, ...args] = b.run;
  const r = spawnSync(command, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
  results[b.name] = existsSync(b.out) ? JSON.parse(readFileSync(b.out, 'utf8')) : { error: `exit ${r.status}` };
}
mkdirSync('bench', { recursive: true });
writeFileSync('bench/results.json', JSON.stringify(results, null, 2));
console.log('\nwrote bench/results.json');
process.exit(failed === 0 ? 0 : 1);
