import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

export interface NagFinding {
  readonly rule: string;
  readonly path: string;
}

/** The unacknowledged cdk-nag findings of a failed synthesis, read from CDK's validation report. */
export function readNagFindings(outdir: string): NagFinding[] {
  const file = join(outdir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const findings: NagFinding[] = [];
  for (const plugin of report.pluginReports ?? []) {
    for (const v of plugin.violations ?? []) {
      for (const c of v.violatingConstructs ?? []) findings.push({ rule: v.ruleName, path: c.constructPath });
    }
  }
  return findings;
}

export interface Acknowledgement {
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

/**
 * Every cdk-nag acknowledgement (`Validations.of(x).acknowledge({ id: 'AwsSolutions-…' })`) in a
 * construct tree, with the construct it sits on. CDK's own acknowledgements are left out.
 */
export function listNagAcknowledgements(root: IConstruct): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const node of root.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        const rule = key.replace(/^[^:]*::/, '');
        if (rule.startsWith('AwsSolutions-')) out.push({ path: node.node.path, rule, reason });
      }
    }
  }
  return out;
}
