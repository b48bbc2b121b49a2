/**
 * Counts of a jest or vitest JSON report (both write jest's format). A suite that failed to run —
 * a file that threw while loading, a beforeAll that failed, a worker that crashed — has no failed
 * test of its own, so it is counted as one failed test: the closing line must never read
 * "0 failed" while a suite did not run.
 */
export interface Counts {
  readonly passed: number;
  readonly failed: number;
  /** Suites that failed without a failed test (they failed to run); already included in `failed`. */
  readonly suitesNotRun: number;
}

interface AssertionLike {
  readonly status?: string;
}
interface SuiteLike {
  readonly status?: string;
  readonly assertionResults?: readonly AssertionLike[];
}
export interface ReportLike {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numRuntimeErrorTestSuites?: number;
  readonly testResults?: readonly SuiteLike[];
}

export function countReport(report: ReportLike): Counts {
  const suites = report.testResults ?? [];
  const notRun = suites.filter(
    (s) => s.status === 'failed' && !(s.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  const suitesNotRun = Math.max(notRun, report.numRuntimeErrorTestSuites ?? 0);
  return { passed: report.numPassedTests, failed: report.numFailedTests + suitesNotRun, suitesNotRun };
}
