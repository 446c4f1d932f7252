// Runs every suite CI runs — type-check, lint, unit tests (Vitest, Node) and e2e (Playwright,
// headless Chromium with WebGPU) — and ends with one line: "N passed, N failed".

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const RESULTS = 'test-results';
mkdirSync(RESULTS, { recursive: true });

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  return r.status ?? 1;
}

function readJson(path) {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const tally = [];

function check(name, status) {
  tally.push({ name, passed: status === 0 ? 1 : 0, failed: status === 0 ? 0 : 1 });
}

check('typecheck', run('npx', ['tsc', '-p', 'tsconfig.json']));
check('lint', run('npx', ['eslint', '.', '--max-warnings', '0']));

const unitJson = `${RESULTS}/unit.json`;
rmSync(unitJson, { force: true });
const unitStatus = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${unitJson}`]);
const unit = readJson(unitJson);
if (unit) tally.push({ name: 'unit', passed: unit.numPassedTests, failed: unit.numFailedTests + (unitStatus !== 0 && unit.numFailedTests === 0 ? 1 : 0) });
else check('unit (no report)', 1);

const e2eJson = `${RESULTS}/e2e.json`;
rmSync(e2eJson, { force: true });
const e2eStatus = run('npx', ['playwright', 'test']);
const e2e = readJson(e2eJson);
if (e2e?.stats) {
  const { expected, unexpected, flaky } = e2e.stats;
  const errors = Array.isArray(e2e.errors) ? e2e.errors.length : 0;
  tally.push({ name: 'e2e', passed: expected, failed: unexpected + flaky + errors + (e2eStatus !== 0 && unexpected + errors === 0 ? 1 : 0) });
} else check('e2e (no report)', 1);

console.log('');
for (const t of tally) console.log(`${t.name}: ${t.passed} passed, ${t.failed} failed`);
const passed = tally.reduce((a, t) => a + t.passed, 0);
const failed = tally.reduce((a, t) => a + t.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
