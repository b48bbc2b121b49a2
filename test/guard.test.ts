/**
 * The cfn-guard exemptions (lib/config/guard-exemptions.ts): each names a rule the validator
 * really has (a typo would silently check nothing less and exempt nothing), with a reason; prod is
 * checked against the rules only the disposable profiles are exempt from. CI synthesizes sandbox
 * and prod with SECURECART_GUARD=1, which fails on any finding.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DISPOSABLE_ONLY, GUARD_EXEMPTIONS, disabledGuardRules } from '../lib/config/guard-exemptions';

const RULES_DIR = join(
  __dirname,
  '..',
  'node_modules',
  '@cdklabs',
  'cdk-validator-cfnguard',
  'rules',
  'control-tower',
  'cfn-guard',
);

function ruleNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? ruleNames(join(dir, entry.name))
      : entry.name.endsWith('.guard')
        ? [entry.name.replace(/\.guard$/, '')]
        : [],
  );
}

test('every exemption is a Control Tower rule of the validator, with a reason', () => {
  expect(existsSync(RULES_DIR)).toBe(true);
  const rules = new Set(ruleNames(RULES_DIR));
  expect(rules.size).toBeGreaterThan(100);
  for (const [rule, reason] of Object.entries(GUARD_EXEMPTIONS)) {
    expect({ rule, known: rules.has(rule) }).toEqual({ rule, known: true });
    expect(reason.length).toBeGreaterThan(40);
  }
  for (const rule of DISPOSABLE_ONLY) expect(Object.keys(GUARD_EXEMPTIONS)).toContain(rule);
});

test('prod is checked against what only the disposable profiles are exempt from', () => {
  const prod = disabledGuardRules('prod');
  const sandbox = disabledGuardRules('sandbox');
  expect(DISPOSABLE_ONLY.length).toBeGreaterThan(0);
  for (const rule of DISPOSABLE_ONLY) {
    expect(prod).not.toContain(rule);
    expect(sandbox).toContain(rule);
  }
  expect(sandbox.length - prod.length).toBe(DISPOSABLE_ONLY.length);
});
