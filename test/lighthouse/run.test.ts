import { formatTable, median, shortfalls, THRESHOLDS } from './run';
import { DEFAULT_MOBILE_SLOWDOWN, mobileCpuSlowdown, REFERENCE_BENCHMARK_INDEX } from './cpu';
import type { RunFigures } from './run';

/* npm run test:lighthouse's verdict, offline: medians, thresholds and the table. */

const run = (over: Partial<RunFigures> = {}): RunFigures => ({
  performance: 95,
  accessibility: 100,
  bestPractices: 100,
  cls: 0,
  lcpMs: 2000,
  jsBytes: 90 * 1024,
  failing: [],
  ...over,
});

test('the median of 3 runs ignores one bad run', () => {
  expect(median([92, 79, 91])).toBe(91);
  expect(median([1, 2, 3, 4])).toBe(2.5);
  const row = { page: 'catalog', formFactor: 'mobile' as const, runs: [run(), run({ performance: 70 }), run()] };
  expect(shortfalls(row)).toEqual([]);
});

test('each threshold fails its row, performance only on mobile, the JavaScript only for the catalog', () => {
  const slow = [run({ performance: 80 }), run({ performance: 85 }), run({ performance: 89 })];
  expect(shortfalls({ page: 'cart', formFactor: 'mobile', runs: slow })).toEqual(['performance 85 < 90']);
  expect(shortfalls({ page: 'cart', formFactor: 'desktop', runs: slow })).toEqual([]);
  const heavy = [run({ jsBytes: THRESHOLDS.catalogJsBytes + 1 })];
  expect(shortfalls({ page: 'catalog', formFactor: 'desktop', runs: heavy })).toEqual([
    'catalog JavaScript 100.0 KB > 100 KB',
  ]);
  expect(shortfalls({ page: 'product', formFactor: 'desktop', runs: heavy })).toEqual([]);
  const bad = [run({ accessibility: 98, bestPractices: 96, cls: 0.08, failing: ['label-content-name-mismatch'] })];
  expect(shortfalls({ page: 'product', formFactor: 'desktop', runs: bad })).toEqual([
    'accessibility 98',
    'best practices 96',
    'CLS 0.080 > 0.05',
    'failing audits: label-content-name-mismatch',
  ]);
});

test('the table has one line per row with the medians', () => {
  const table = formatTable([{ page: 'catalog', formFactor: 'mobile', runs: [run(), run({ cls: 0.01 }), run()] }]);
  expect(table.split('\n')).toHaveLength(3);
  expect(table).toMatch(/\| catalog \| mobile +\| 95 +\| 100 +\| 100 +\| 0\.000 \| 2\.00 s \| 90\.0 KB +\|/);
});

test("the mobile CPU slowdown follows the host's BenchmarkIndex, never above Lighthouse's 4×, never below 1×", () => {
  expect(mobileCpuSlowdown(REFERENCE_BENCHMARK_INDEX)).toBe(DEFAULT_MOBILE_SLOWDOWN);
  expect(mobileCpuSlowdown(3000)).toBe(4); // a faster host keeps the default
  expect(mobileCpuSlowdown(1000)).toBe(2); // half the reference host: half the slowdown
  expect(mobileCpuSlowdown(1550)).toBe(3.1);
  expect(mobileCpuSlowdown(100)).toBe(1); // no host is sped up
  expect(mobileCpuSlowdown(Number.NaN)).toBe(4); // no measurement: Lighthouse's default
  expect(mobileCpuSlowdown(0)).toBe(4);
});
