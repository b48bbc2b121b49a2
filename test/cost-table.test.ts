import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * README "What it costs idle": the totals are the sums of the rows (a range or a "<" at its upper
 * end), so the table cannot drift, and the sandbox stays at or below issue 21's $75 a month (ADR 27).
 */
const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const SANDBOX_BUDGET_USD = 75;

/** The rows of the first `|` table from the line holding `heading` on, as cells. */
function table(heading: string): string[][] {
  const section = README.slice(README.lastIndexOf('\n', README.indexOf(heading)) + 1);
  const lines = section.split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows.slice(2); // header and separator
}

/** A cell in US dollars, at its upper end: `12.34`, `≈ 12.34`, `< 0.50`, `0.00–3.00`, `–` (none), `**12.34**`. */
export function upperDollars(cell: string): number {
  const text = cell.replace(/\*\*/g, '').trim();
  if (text === '–') return 0;
  const match = /^(?:≈ |< )?(?:\d+\.\d{2}–)?(\d+\.\d{2})$/.exec(text);
  if (!match) throw new Error(`not a price cell: "${cell}"`);
  return Number(match[1]);
}

const cents = (n: number) => Math.round(n * 100);

describe('the README cost table', () => {
  const rows = table('## What it costs idle');
  const items = rows.filter((r) => !r[1].startsWith('**Total'));
  const total = rows.find((r) => r[1].startsWith('**Total'))!;

  test('reads its cells as the totals do', () => {
    expect(['12.34', '≈ 12.34', '< 0.50', '0.00–3.00', '–', '**72.62**'].map(upperDollars)).toEqual([
      12.34, 12.34, 0.5, 3, 0, 72.62,
    ]);
    expect(() => upperDollars('about 3')).toThrow('not a price cell');
  });

  test('every row has a price for both profiles and an AWS pricing page as its source', () => {
    expect(items.length).toBeGreaterThan(15);
    for (const [stack, item, sandbox, prod, source] of items) {
      expect({ item, stack }).toEqual({ item, stack: expect.stringMatching(/\S/) });
      expect(() => [upperDollars(sandbox), upperDollars(prod)]).not.toThrow();
      expect({ item, source }).toEqual({ item, source: expect.stringMatching(/^https:\/\/aws\.amazon\.com\//) });
    }
  });

  test.each([
    ['sandbox', 2],
    ['prod', 3],
  ])('the %s total is the sum of its rows', (_profile, column) => {
    const sum = items.reduce((n, r) => n + cents(upperDollars(r[column])), 0);
    expect(cents(upperDollars(total[column]))).toBe(sum);
  });

  test(`the whole sandbox, every tier, costs at most $${SANDBOX_BUDGET_USD} a month idle, the issue 21 parts included`, () => {
    expect(upperDollars(total[2])).toBeLessThanOrEqual(SANDBOX_BUDGET_USD);
    const text = items.map((r) => r[1]).join('\n');
    expect(text).toMatch(/Kinesis Data Streams.*one provisioned shard/);
    expect(text).toMatch(/ElastiCache Serverless for Valkey.*100 MB/);
    expect(text).toMatch(/NAT instance: one Graviton `t4g\.nano`/);
  });

  test('the before/after table of the sandbox savings adds up to the same total', () => {
    const savings = table('| Sandbox saving (profile setting)');
    const changes = savings.filter((r) => !r[0].startsWith('**'));
    const [, before, after] = savings.find((r) => r[0].startsWith('**'))!;
    expect(cents(upperDollars(after))).toBe(cents(upperDollars(total[2])));
    const saved = changes.reduce((n, r) => n + cents(upperDollars(r[1])) - cents(upperDollars(r[2])), 0);
    expect(cents(upperDollars(before)) - cents(upperDollars(after))).toBe(saved);
    expect(changes.map((r) => r[0].match(/`[a-z.A-Z]+`/)?.[0])).toEqual([
      '`network.nat`',
      '`checkout.containerInsights`',
      '`checkout.spot`',
    ]);
  });
});
