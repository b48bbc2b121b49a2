import { logger } from '../../../lambda/shared/logger';

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly orderId?: string;
  readonly [key: string]: unknown;
}

type ConsoleLike = Record<'debug' | 'info' | 'warn' | 'error' | 'log' | 'trace', (line: string) => void>;
type WithConsole = { console: ConsoleLike };

/**
 * Captures the shared Powertools logger's output (parsed JSON lines) instead of printing it.
 * Registers its own beforeEach/afterEach; read the lines through the returned function.
 */
export function captureLogs(): () => LogLine[] {
  let lines: LogLine[] = [];
  let original: ConsoleLike | undefined;
  beforeEach(() => {
    lines = [];
    const target = logger as unknown as WithConsole;
    original = target.console;
    const push = (line: string) => void lines.push(JSON.parse(line) as LogLine);
    target.console = { debug: push, info: push, warn: push, error: push, log: push, trace: push };
  });
  afterEach(() => {
    (logger as unknown as WithConsole).console = original!;
  });
  return () => lines;
}
