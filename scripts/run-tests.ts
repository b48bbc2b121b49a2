/**
 * npm test — every offline test of the repository, in one command:
 *   1. jest: the CDK app (stacks, snapshots, nag, workflow, handlers) and the checkout service
 *      (two projects, jest.config.js);
 *   2. vitest: the storefront's component and build tests (web/).
 * Prints each runner's summary and, last, one line `tests: N passed, M failed`; exits non-zero if
 * either runner failed. Arguments go to jest alone (e.g. `npm test -- test/handlers`), and then
 * the storefront tests are not run; `npm run test:web` runs those alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countReport } from './test-counts';
import type { Counts } from './test-counts';

const args = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'securecart-tests-'));
const bin = (name: string) => join(__dirname, '..', 'node_modules', '.bin', name);

function run(label: string, command: string, commandArgs: string[], report: string, count: (r: any) => Counts) {
  const started = Date.now();
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', env: process.env });
  let counts: Counts | undefined;
  try {
    counts = count(JSON.parse(readFileSync(report, 'utf8')));
  } catch {
    counts = undefined; // the runner died before writing its report
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const notRun = counts?.suitesNotRun ? ` (${counts.suitesNotRun} suite(s) failed to run, counted as failed)` : '';
  console.log(
    `${label}: ${counts ? `${counts.passed} passed, ${counts.failed} failed${notRun}` : 'no report'} (${seconds} s)`,
  );
  return {
    ok: result.status === 0 && counts !== undefined && counts.failed === 0,
    counts: counts ?? { passed: 0, failed: 1, suitesNotRun: 1 },
  };
}

const results = [
  run(
    'jest',
    bin('jest'),
    [...args, '--json', `--outputFile=${join(dir, 'jest.json')}`],
    join(dir, 'jest.json'),
    countReport,
  ),
];
if (args.length === 0) {
  results.push(
    run(
      'vitest (web)',
      bin('vitest'),
      [
        'run',
        '--root',
        'web',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${join(dir, 'vitest.json')}`,
      ],
      join(dir, 'vitest.json'),
      countReport,
    ),
  );
}
rmSync(dir, { recursive: true, force: true });

const passed = results.reduce((n, r) => n + r.counts.passed, 0);
const failed = results.reduce((n, r) => n + r.counts.failed, 0);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
