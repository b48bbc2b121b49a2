import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createClients, describeTarget } from './aws';
import type { Clients } from './aws';
import { dataStackName, outputsFromFile, outputsFromStack, pipelineStackName } from './outputs';
import type { FoundOutputs, StackOutputs } from './outputs';
import { describeError } from './report';
import type { Report } from './report';

/*
 * What the two runners against a deployed pipeline share: the smoke suite (run.ts, `npm run smoke`)
 * and the browser journey (../e2e/journey.ts, `npm run e2e`). Their options, the deployment they
 * find (stack outputs), the run header, the clean-up on failure and on Ctrl-C, and the exit.
 *
 * Both run as `node --import tsx <file>`: one process, so Ctrl-C reaches the clean-up. The tsx
 * CLI's wrapper process kills a child that does not acknowledge a signal within 30 ms.
 */

export interface RunOptions {
  /** --outputs FILE (the `cdk deploy --outputs-file` format); else the outputs come from DescribeStacks. */
  readonly outputsFile?: string;
  /** --stack, else SecureCart-<profile>-Pipeline (--profile, SMOKE_PROFILE, `localstack`). */
  readonly stackName: string;
  /** --data-stack, else the Pipeline stack's name ending in -Data. */
  readonly dataStack: string;
  /** --order-timeout, in ms. */
  readonly orderTimeoutMs: number;
}

/**
 * The options of `npm run <name> -- [...]`. `--help` prints the usage (exit code 0); a bad option
 * prints why and the usage (exit code 2).
 */
function parseRunOptions(
  name: string,
  defaultOrderTimeoutSeconds: number,
): { options: RunOptions } | { exitCode: number } {
  const usage = `usage: npm run ${name} -- [--outputs FILE] [--profile NAME | --stack NAME [--data-stack NAME]] [--order-timeout S]`;
  const config = {
    outputs: { type: 'string' },
    profile: { type: 'string', default: process.env.SMOKE_PROFILE || 'localstack' },
    stack: { type: 'string' },
    'data-stack': { type: 'string' },
    'order-timeout': { type: 'string', default: String(defaultOrderTimeoutSeconds) },
    help: { type: 'boolean', short: 'h' },
  } as const;
  let parsed;
  try {
    parsed = parseArgs({ options: config });
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}\n${usage}`);
    return { exitCode: 2 };
  }
  const { values } = parsed;
  if (values.help) {
    console.log(usage);
    return { exitCode: 0 };
  }
  const orderTimeoutSeconds = Number(values['order-timeout']);
  if (!Number.isFinite(orderTimeoutSeconds) || orderTimeoutSeconds <= 0) {
    console.error(`${name}: --order-timeout must be a positive number of seconds\n${usage}`);
    return { exitCode: 2 };
  }
  const stackName = values.stack ?? pipelineStackName(values.profile);
  return {
    options: {
      outputsFile: values.outputs,
      stackName,
      dataStack: values['data-stack'] ?? dataStackName(stackName, values.profile),
      orderTimeoutMs: orderTimeoutSeconds * 1000,
    },
  };
}

export interface Run {
  readonly options: RunOptions;
  /** Unique to the run: in product, customer and directory names. */
  readonly runId: string;
  readonly started: number;
  readonly clients: Clients;
}

/**
 * The start of `npm run <name>`: its options, a new run id, the SDK clients, and the header line
 * `<name>: run <id> against <stacks> (<endpoint, region>)`. An exit code instead for --help (0) or
 * a bad option (2).
 */
export async function startRun(name: string, defaultOrderTimeoutSeconds: number): Promise<Run | number> {
  const parsed = parseRunOptions(name, defaultOrderTimeoutSeconds);
  if (!('options' in parsed)) return parsed.exitCode;
  const { options } = parsed;
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const started = Date.now();
  const clients = createClients();
  await new Promise((resolve) => setImmediate(resolve)); // SDK start-up warnings before the report, not inside it
  console.log(`${name}: run ${runId} against ${options.stackName} + ${options.dataStack} (${describeTarget()})`);
  return { options, runId, started, clients };
}

/** The `stack outputs` check; the outputs, or undefined when it failed. */
export async function checkStackOutputs(
  report: Report,
  clients: Clients,
  options: RunOptions,
): Promise<StackOutputs | undefined> {
  let found: FoundOutputs | undefined;
  await report.check('stack outputs', async () => {
    const { outputsFile, stackName, dataStack } = options;
    found = outputsFile
      ? outputsFromFile(outputsFile, stackName, dataStack)
      : await outputsFromStack(clients, stackName, dataStack);
    return `${found.count} outputs of ${found.stackNames.join(' and ')} from ${found.source}`;
  });
  return found?.outputs;
}

/**
 * Things to undo at the end, also on failure or Ctrl-C, each once: in the order added, or the last
 * added first. A step added once run() has begun (by a run still starting something after an
 * interruption) runs at once. run() can be called more than once: every call waits for the same pass.
 */
export class Cleanups {
  private readonly steps: [string, () => Promise<unknown>][] = [];
  private running?: Promise<void>;

  /** `name`: the prefix of the `<name>: could not <step>: <error>` lines. */
  constructor(
    private readonly name: string,
    private readonly order: 'in order added' | 'last added first',
  ) {}

  add(step: string, undo: () => Promise<unknown>): void {
    if (this.running) void this.runOne(step, undo);
    else this.steps.push([step, undo]);
  }

  run(): Promise<void> {
    return (this.running ??= this.runAll());
  }

  private async runAll(): Promise<void> {
    const next = () => (this.order === 'in order added' ? this.steps.shift() : this.steps.pop());
    for (let step = next(); step; step = next()) await this.runOne(...step);
  }

  private async runOne(step: string, undo: () => Promise<unknown>): Promise<void> {
    await undo().catch((error) => console.log(`${this.name}: could not ${step}: ${describeError(error)}`));
  }
}

/**
 * Ctrl-C or SIGTERM: prints `<name>: <signal>, cleaning up` and calls `interrupted` once. The same
 * signal can arrive more than once (the terminal signals every process of the group, and a wrapper
 * may relay it again): repeats within 3 s are ignored, a later one exits at once (130). The handlers
 * stay installed (process.on, not once): with none left, the next signal would end the process
 * mid-clean-up.
 */
export function onInterrupt(name: string, interrupted: (signal: NodeJS.Signals) => void): void {
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < 3000) return;
      console.log(`${name}: ${signal} again, exiting without finishing the clean-up`);
      process.exit(130);
    }
    firstAt = Date.now();
    console.log(`${name}: ${signal}, cleaning up`);
    interrupted(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Runs `main` and exits with its code; anything it throws: the stack, `<name>: 0 passed, 1 failed`, exit 2. */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`${name}: ${(error as Error).stack ?? String(error)}`);
      console.log(`${name}: 0 passed, 1 failed`);
      process.exit(2);
    },
  );
}
