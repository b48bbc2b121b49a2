import { metrics } from '../../../lambda/shared/metrics';

/** One EMF line as Powertools Metrics writes it. */
export interface EmfLine {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

type WithConsole = { console: { log: (line: string) => void } };

/**
 * Captures the shared Metrics instance's EMF output (parsed JSON lines) instead of printing it.
 * Registers its own beforeEach/afterEach; read the lines through the returned function.
 */
export function captureMetrics(): () => EmfLine[] {
  let lines: EmfLine[] = [];
  let original: WithConsole['console'] | undefined;
  beforeEach(() => {
    lines = [];
    const target = metrics as unknown as WithConsole;
    original = target.console;
    target.console = { log: (line: string) => void lines.push(JSON.parse(line) as EmfLine) };
  });
  afterEach(() => {
    (metrics as unknown as WithConsole).console = original!;
  });
  return () => lines;
}
