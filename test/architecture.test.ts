import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/*
 * The architecture's rules, checked by the tools that state them (issue 17):
 *
 * - the import graph: `.dependency-cruiser.cjs` over the same paths as `npm run check:graph`, with
 *   no violation; proven not vacuous (every tier was cruised, `@securecart/contracts` imports
 *   resolved to contracts/, and on a fixture tree the same rules report exactly its two faults);
 * - the size of the tests: no file under test/ over 500 lines (snapshots excepted).
 *
 * dependency-cruiser is ESM-only: it runs as its CLI, with JSON output.
 */

const ROOT = join(__dirname, '..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const FIXTURE = join(__dirname, 'fixtures/graph');
const MAX_TEST_FILE_LINES = 500;

interface Dependency {
  readonly module: string;
  readonly resolved: string;
  readonly couldNotResolve: boolean;
  readonly dependencyTypes: readonly string[];
}
interface Module {
  readonly source: string;
  readonly dependencies: readonly Dependency[];
}
interface Violation {
  readonly type: string;
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string; readonly severity: string };
  readonly cycle?: ReadonlyArray<{ readonly name: string }>;
}
interface Cruise {
  readonly modules: readonly Module[];
  readonly summary: { readonly violations: readonly Violation[] };
}

/** Runs depcruise with the repository's rules from `cwd` (module paths are relative to it). */
function cruise(cwd: string, paths: readonly string[]): Cruise {
  const run = spawnSync(DEPCRUISE, ['--config', CONFIG, '--output-type', 'json', ...paths], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 100_000,
  });
  if (run.error || run.status !== 0)
    throw new Error(`depcruise failed (status ${run.status}): ${run.error?.message ?? ''}\n${run.stderr}`);
  return JSON.parse(run.stdout) as Cruise;
}

/** One line per violation: the rule, then the import (or the whole circle) it forbids. */
function describeViolation(v: Violation): string {
  const path = v.cycle?.length ? [v.from, ...v.cycle.map((step) => step.name)] : [v.from, v.to];
  return `${v.rule.severity} ${v.rule.name}: ${path.join(' → ')}`;
}

/** A violation independent of where depcruise enters a circle: a circle is its set of modules. */
function normalize(v: Violation): string {
  if (v.cycle?.length) return `${v.rule.name}: {${[...new Set([v.from, ...v.cycle.map((s) => s.name)])].sort()}}`;
  return `${v.rule.name}: ${v.from} → ${v.to}`;
}

/** The paths `npm run check:graph` cruises (its arguments that are not options). */
function checkGraphPaths(): string[] {
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['check:graph'];
  const words = script.trim().split(/\s+/);
  if (words[0] !== 'depcruise') throw new Error(`check:graph does not run depcruise: ${script}`);
  const paths: string[] = [];
  for (let i = 1; i < words.length; i++) {
    if (words[i].startsWith('-'))
      i++; // an option and its value
    else paths.push(words[i]);
  }
  return paths;
}

const under = (path: string) => (source: string) => source === path || source.startsWith(`${path}/`);

describe('the import graph (.dependency-cruiser.cjs)', () => {
  const paths = checkGraphPaths();
  let graph: Cruise;
  beforeAll(() => {
    graph = cruise(ROOT, paths);
  });

  test('check:graph cruises every tier: the contracts, the stacks, the Lambdas, the service and the storefront', () => {
    expect(paths).toEqual(
      expect.arrayContaining(['contracts', 'lib', 'bin', 'lambda', 'services/checkout-api/src', 'web/src']),
    );
  });

  test('no import breaks a rule', () => {
    expect(graph.summary.violations.map(describeViolation)).toEqual([]);
  });

  test('the cruise covered modules under every path it was given', () => {
    const sources = graph.modules.map((m) => m.source);
    const counts = Object.fromEntries(paths.map((path) => [path, sources.filter(under(path)).length]));
    const empty = Object.entries(counts)
      .filter(([, n]) => n === 0)
      .map(([path]) => path);
    expect({ empty, counts }).toEqual({ empty: [], counts });
  });

  test('@securecart/contracts imports resolve to contracts/ files, from every tier that uses them', () => {
    const imports = graph.modules.flatMap((m) =>
      m.dependencies
        .filter((d) => /^@securecart\/contracts(\/|$)/.test(d.module))
        .map((d) => ({ from: m.source, module: d.module, resolved: d.couldNotResolve ? null : d.resolved })),
    );
    expect(imports.filter((i) => !i.resolved || !/^contracts\/.+\.(ts|json)$/.test(i.resolved))).toEqual([]);
    for (const tier of ['lib', 'lambda', 'services/checkout-api/src', 'web/src'])
      expect({ tier, contractImports: imports.some((i) => under(tier)(i.from)) }).toEqual({
        tier,
        contractImports: true,
      });
  });

  test('every relative import resolves (an unresolved one would escape the rules)', () => {
    const unresolved = graph.modules.flatMap((m) =>
      m.dependencies
        .filter((d) => d.couldNotResolve && /^\.\.?\//.test(d.module))
        .map((d) => `${m.source} → ${d.module}`),
    );
    expect(unresolved).toEqual([]);
  });
});

describe('the same rules on a fixture tree (test/fixtures/graph)', () => {
  const TIERS = ['contracts', 'lib', 'bin', 'lambda', 'services/checkout-api/src', 'web/src'];
  let fixture: Cruise;
  beforeAll(() => {
    fixture = cruise(FIXTURE, TIERS);
  });

  test('the fixture has modules in every tier', () => {
    const sources = fixture.modules.map((m) => m.source);
    expect(TIERS.filter((tier) => !sources.some(under(tier)))).toEqual([]);
  });

  test('exactly its two faults are reported: one tier importing another, and a two-file circle', () => {
    const found = [...new Set(fixture.summary.violations.map(normalize))].sort();
    expect(found).toEqual([
      'no-circular: {lambda/circle/a.ts,lambda/circle/b.ts}',
      'no-infrastructure-into-service: lib/stack.ts → services/checkout-api/src/config.ts',
    ]);
    expect(fixture.summary.violations.every((v) => v.rule.severity === 'error')).toBe(true);
  });
});

describe('size limits', () => {
  /** Every file under `dir`, snapshots excepted. */
  function files(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === '__snapshots__' ? [] : files(path);
      return entry.name.endsWith('.snap') ? [] : [path];
    });
  }
  const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

  test(`no file under test/ has more than ${MAX_TEST_FILE_LINES} lines (snapshots excepted)`, () => {
    const all = files(__dirname);
    expect(all.map((f) => relative(ROOT, f))).toContain('test/architecture.test.ts');
    const over = all
      .map((file) => ({ file: relative(ROOT, file), lines: lineCount(readFileSync(file, 'utf8')) }))
      .filter(({ lines }) => lines > MAX_TEST_FILE_LINES);
    expect(over).toEqual([]);
  });
});
