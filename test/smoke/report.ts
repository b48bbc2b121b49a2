/**
 * The report of the smoke suite and of the browser journey: one line per check,
 * `PASS|FAIL name (elapsed s) detail`, and a closing `smoke: N passed, M failed` (`e2e: ...`) line.
 * Lines are printed as checks finish, so a hung run still shows how far it got.
 */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly detail: string;
}

/** Thrown (or collected) by a check: a readable reason, no stack trace in the report. */
export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailure';
  }
}

export class Report {
  readonly results: CheckResult[] = [];

  /** `name`: the runner, the prefix of its own lines (`smoke`, `e2e`). */
  constructor(
    readonly name: string,
    private readonly out: (line: string) => void = (line) => console.log(line),
  ) {}

  /** Records a result computed elsewhere (for checks that run concurrently and time themselves). */
  record(name: string, ok: boolean, seconds: number, detail: string): CheckResult {
    const result = { name, ok, seconds, detail: oneLine(detail) };
    this.results.push(result);
    this.out(`${ok ? 'PASS' : 'FAIL'} ${name} (${seconds.toFixed(1)} s) ${result.detail}`.trimEnd());
    return result;
  }

  /** Runs one check: its return value is the PASS detail; anything thrown is the FAIL detail. */
  async check(name: string, run: () => Promise<string>): Promise<boolean> {
    const started = Date.now();
    try {
      const detail = await run();
      this.record(name, true, elapsedSince(started), detail);
      return true;
    } catch (error) {
      this.record(name, false, elapsedSince(started), describeError(error));
      return false;
    }
  }

  /** A check that could not run because an earlier one failed. */
  skip(name: string, reason: string): void {
    this.record(name, false, 0, `not run: ${reason}`);
  }

  get failed(): number {
    return this.results.filter((r) => !r.ok).length;
  }

  /** `<name>: N passed, M failed`; `unreported` failures have no line of their own (an interruption). */
  summary(unreported = 0): string {
    return `${this.name}: ${this.results.length - this.failed} passed, ${this.failed + unreported} failed`;
  }

  /** The closing lines, `<name>: finished in S s<note>` and the summary; returns the exit code. */
  finish(startedMs: number, note = ''): number {
    console.log(`${this.name}: finished in ${elapsedSince(startedMs).toFixed(1)} s${note}`);
    console.log(this.summary());
    return this.failed > 0 ? 1 : 0;
  }
}

export const elapsedSince = (startedMs: number): number => (Date.now() - startedMs) / 1000;

/** A short, single-line description of anything thrown (SDK errors carry a name and a message). */
export function describeError(error: unknown): string {
  if (error instanceof CheckFailure) return error.message;
  if (error instanceof Error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${error.name}: ${error.message}${status ? ` (HTTP ${status})` : ''}`;
  }
  return String(error);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' | ').trim();
}
