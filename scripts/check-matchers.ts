/**
 * moto as an independent referee for the TypeScript event matchers (`npm run test:matchers`;
 * docs/adr/0010-typescript-event-matchers-with-a-moto-referee.md).
 *
 * Synthesizes the app for every profile (and `sandbox` with an alarm e-mail, which adds a filtered
 * e-mail subscription), collects every EventBridge pattern (rules and archives) and every SNS
 * subscription filter policy from the templates, and evaluates each against the sample grid of
 * `test/helpers/match-grid.ts` (plus that module's `MATCHER_CASES`) with
 * `test/helpers/event-matchers.ts` and with moto (`test/helpers/aws_matchers.py`, one python call
 * for all cases). Prints `matchers: <N> cases, <M> disagreements` and every disagreement, and exits
 * non-zero on a disagreement, on a pattern or policy that the grid does not exercise both ways
 * (some samples matching, some not), or when python3 with moto 5.x is not available.
 *
 * AWS_EMULATOR_PYTHON chooses the interpreter (default `python3`).
 */
import '../test/helpers/env'; // CDK_VALIDATION=false etc., before aws-cdk-lib loads
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildSecureCart } from '../lib/app';
import { PROFILE_NAMES, resolveProfile } from '../lib/config/profiles';
import { FilterPolicyScope, matchCase, MatchCase } from '../test/helpers/event-matchers';
import { eventSamples, MATCHER_CASES, statusMessages } from '../test/helpers/match-grid';
import { cleanUp, newApp } from '../test/helpers/synth';

const PYTHON = process.env.AWS_EMULATOR_PYTHON || 'python3';
const REFEREE = join(__dirname, '../test/helpers/aws_matchers.py');
const NEEDS =
  `npm run test:matchers needs python3 with moto 5.x importable (pip install 'moto>=5,<6'); ` +
  `set AWS_EMULATOR_PYTHON to use another interpreter. npm test does not need it.`;

type Result = boolean | { error: string };
const show = (r: Result | undefined) => (typeof r === 'boolean' ? String(r) : `error (${r?.error ?? 'no answer'})`);
const same = (a: Result, b: Result) => typeof a === 'boolean' && a === b;

interface Subject {
  readonly kind: 'rule' | 'archive' | 'subscription';
  readonly definition: unknown;
  readonly scope?: FilterPolicyScope;
  /** Where it was found: `<variant>/<stack>/<logical id>`. */
  readonly where: string[];
}

function python(args: string[], input?: string) {
  return spawnSync(PYTHON, [REFEREE, ...args], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** Exits 2 with what is needed, when the interpreter or moto is not there. */
function requireMoto(): string {
  const r = python(['--version']);
  if (r.error || r.status !== 0) {
    const why = r.error ? `${PYTHON}: ${r.error.message}` : (r.stderr || r.stdout).trim();
    console.error(`matchers: cannot run the moto referee: ${why}\n${NEEDS}`);
    process.exit(2);
  }
  const v = JSON.parse(r.stdout) as { moto: string; python: string; executable: string };
  return `moto ${v.moto} (python ${v.python}, ${v.executable})`;
}

/** Every EventBridge pattern and SNS filter policy of every template, deduplicated. */
function collectSubjects(): { subjects: Subject[]; variants: string[] } {
  const variants: Array<[string, () => ReturnType<typeof resolveProfile>]> = [
    ...PROFILE_NAMES.map((name): [string, () => ReturnType<typeof resolveProfile>] => [
      name,
      () => resolveProfile(name),
    ]),
    ['sandbox+alarmEmail', () => resolveProfile('sandbox', { alarmEmail: 'ops@example.com' })],
  ];
  const byKey = new Map<string, Subject>();
  const add = (kind: Subject['kind'], definition: unknown, where: string, scope?: FilterPolicyScope) => {
    const parsed = typeof definition === 'string' ? JSON.parse(definition) : definition;
    const key = JSON.stringify([kind === 'subscription' ? 'sns' : 'event', parsed, scope]);
    const found = byKey.get(key);
    if (found) found.where.push(where);
    else byKey.set(key, { kind, definition: parsed, scope, where: [where] });
  };
  for (const [variant, profile] of variants) {
    const app = newApp({ profile: variant.split('+')[0] });
    try {
      buildSecureCart(app, profile());
      for (const stack of app.synth().stacks) {
        for (const [id, r] of Object.entries<any>(stack.template.Resources ?? {})) {
          const where = `${variant}/${stack.stackName}/${id}`;
          if (r.Type === 'AWS::Events::Rule' && r.Properties?.EventPattern)
            add('rule', r.Properties.EventPattern, where);
          if (r.Type === 'AWS::Events::Archive' && r.Properties?.EventPattern)
            add('archive', r.Properties.EventPattern, where);
          if (r.Type === 'AWS::SNS::Subscription' && r.Properties?.FilterPolicy)
            add(
              'subscription',
              r.Properties.FilterPolicy,
              where,
              r.Properties.FilterPolicyScope ?? 'MessageAttributes',
            );
        }
      }
    } finally {
      cleanUp(app);
    }
  }
  return { subjects: [...byKey.values()], variants: variants.map(([v]) => v) };
}

function main() {
  const started = Date.now();
  const referee = requireMoto();
  const { subjects, variants } = collectSubjects();

  // The grid: every sample for every policy of every profile, deduplicated.
  const events = new Map<string, { label: string; event: unknown }>();
  for (const name of PROFILE_NAMES) {
    const policy = resolveProfile(name).screening;
    for (const s of eventSamples(policy)) {
      const key = JSON.stringify(s.event);
      if (!events.has(key))
        events.set(key, { label: `${s.label} (threshold ${policy.highValueThresholdCents})`, event: s.event });
    }
  }
  const messages = statusMessages();

  interface Row {
    readonly subject?: Subject;
    readonly label: string;
    readonly case: MatchCase;
    readonly expected?: boolean;
    readonly motoDiffers?: string;
  }
  const rows: Row[] = [];
  for (const subject of subjects) {
    if (subject.kind === 'subscription') {
      for (const m of messages) {
        rows.push({
          subject,
          label: m.label,
          case: {
            kind: 'sns',
            policy: subject.definition,
            scope: subject.scope,
            attributes: m.attributes,
            body: m.body,
          },
        });
      }
    } else {
      for (const { label, event } of events.values())
        rows.push({ subject, label, case: { kind: 'event', pattern: subject.definition, event } });
    }
  }
  for (const c of MATCHER_CASES)
    rows.push({ label: c.name, case: c.case, expected: c.expected, motoDiffers: c.motoDiffers });

  const typescript: Result[] = rows.map((row) => {
    try {
      return matchCase(row.case);
    } catch (error) {
      return { error: String((error as Error).message ?? error) };
    }
  });
  const r = python([], JSON.stringify(rows.map((row) => row.case)));
  if (r.error || r.status !== 0) {
    console.error(`matchers: the moto referee failed: ${(r.stderr || String(r.error)).trim()}\n${NEEDS}`);
    process.exit(2);
  }
  const moto = JSON.parse(r.stdout) as Result[];
  if (moto.length !== rows.length) throw new Error(`moto answered ${moto.length} of ${rows.length} cases`);

  const name = (row: Row) =>
    row.subject ? `${row.subject.kind} ${row.subject.where[0]} × ${row.label}` : `matcher case "${row.label}"`;
  const disagreements: string[] = [];
  const known: string[] = [];
  const undocumented: string[] = [];
  rows.forEach((row, i) => {
    if (row.expected !== undefined && typescript[i] !== row.expected)
      undocumented.push(`${name(row)}: typescript=${show(typescript[i])}, documented=${row.expected}`);
    if (row.motoDiffers) {
      const note = same(typescript[i], moto[i]) ? ' (moto agrees here)' : '';
      known.push(`${name(row)}: typescript=${show(typescript[i])}, moto=${show(moto[i])}${note}: ${row.motoDiffers}`);
    } else if (!same(typescript[i], moto[i])) {
      disagreements.push(`${name(row)}: typescript=${show(typescript[i])}, moto=${show(moto[i])}`);
    }
  });

  // Every pattern and policy must see samples it matches and samples it does not.
  const gaps = subjects.flatMap((subject) => {
    const results = rows.flatMap((row, i) => (row.subject === subject ? [typescript[i]] : []));
    const missing = [true, false].filter((result) => !results.includes(result));
    return missing.length > 0
      ? [`${subject.kind} ${subject.where.join(', ')}: no sample ${missing.map((m) => (m ? 'matches' : 'fails'))}`]
      : [];
  });

  const count = (kind: Subject['kind'], one: string, many: string) => {
    const n = subjects.filter((s) => s.kind === kind).length;
    return `${n} ${n === 1 ? one : many}`;
  };
  console.log(`matchers: referee ${referee}`);
  console.log(
    `matchers: templates of ${variants.join(', ')}: ${count('rule', 'rule pattern', 'rule patterns')}, ` +
      `${count('archive', 'archive pattern', 'archive patterns')}, ${count('subscription', 'filter policy', 'filter policies')} (distinct)`,
  );
  console.log(
    `matchers: grid of ${events.size} events and ${messages.length} messages, plus ${MATCHER_CASES.length} matcher cases`,
  );
  if (known.length > 0) {
    console.log(`matchers: ${known.length} known moto deviations from AWS's documentation (not counted):`);
    for (const line of known) console.log(`  known  ${line}`);
  }
  for (const line of undocumented) console.log(`  UNDOCUMENTED  ${line}`);
  for (const line of gaps) console.log(`  GRID GAP  ${line}`);
  for (const line of disagreements) console.log(`  DISAGREE  ${line}`);
  console.log(`matchers: ${rows.length} cases, ${disagreements.length} disagreements (${Date.now() - started} ms)`);
  if (disagreements.length + gaps.length + undocumented.length > 0) process.exit(1);
}

main();
