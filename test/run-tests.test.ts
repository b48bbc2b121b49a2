/**
 * npm test's closing line (scripts/run-tests.ts): a suite that fails to run counts as failed. Checked
 * on a real jest report of a fixture suite that throws while loading, next to one that passes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countReport } from '../scripts/test-counts';

const JEST = join(__dirname, '..', 'node_modules', '.bin', 'jest');

function jestReport(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'securecart-run-tests-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const output = join(dir, 'report.json');
    spawnSync(JEST, ['--rootDir', dir, '--config', '{}', '--json', `--outputFile=${output}`, '--ci'], {
      cwd: dir,
      encoding: 'utf8',
    });
    return JSON.parse(readFileSync(output, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the test run counts', () => {
  it('counts a suite that failed to run as a failed test', () => {
    const report = jestReport({
      'passes.test.js': "test('one', () => expect(1).toBe(1)); test('two', () => expect(2).toBe(2));",
      'cannot-load.test.js': "throw new Error('read ECONNRESET');\ntest('never runs', () => {});",
    });
    expect(report.numFailedTests).toBe(0); // what the closing line used to read
    expect(countReport(report)).toEqual({ passed: 2, failed: 1, suitesNotRun: 1 });
  });

  it('counts failed tests once, without adding their suite', () => {
    const report = jestReport({
      'fails.test.js': "test('bad', () => expect(1).toBe(2)); test('good', () => expect(1).toBe(1));",
    });
    expect(countReport(report)).toEqual({ passed: 1, failed: 1, suitesNotRun: 0 });
  });

  it('reads the same shape from a vitest report', () => {
    // vitest's JSON reporter writes jest's format: a suite that failed to import has no assertions.
    const vitest = {
      numPassedTests: 5,
      numFailedTests: 0,
      testResults: [
        { status: 'passed', assertionResults: [{ status: 'passed' }] },
        { status: 'failed', assertionResults: [] },
      ],
    };
    expect(countReport(vitest)).toEqual({ passed: 5, failed: 1, suitesNotRun: 1 });
  });
});
