import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * EventBridge pattern and SNS filter-policy matching by moto (the AWS emulator library that the
 * machine image's python3 ships, and that `../shared/aws-emulator` runs): a maintained
 * implementation of both, rather than a hand-written one. One python process per call.
 */
export type MatchCase =
  | { kind: 'event'; pattern: unknown; event: unknown }
  | {
      kind: 'sns';
      policy: unknown;
      scope?: 'MessageAttributes' | 'MessageBody';
      attributes?: Record<string, { Type: string; Value: string }>;
      body?: string;
    };

export function matchAll(cases: MatchCase[]): boolean[] {
  const python = process.env.AWS_EMULATOR_PYTHON ?? 'python3';
  const r = spawnSync(python, [join(__dirname, 'aws_matchers.py')], { input: JSON.stringify(cases), encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(
      `${python} could not match patterns (it needs moto, which the machine image provides):\n${r.stderr || r.error}`,
    );
  }
  return JSON.parse(r.stdout);
}
