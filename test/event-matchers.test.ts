import {
  matchCase,
  matchesEventPattern,
  matchesFilterPolicy,
  UnsupportedFilterError,
  validateEventPattern,
  validateFilterPolicy,
} from './helpers/event-matchers';
import { MATCHER_CASES } from './helpers/match-grid';
import { COMPLIANCE_PATTERN, RULE_PATTERNS, STATUS_SUBSCRIPTIONS } from '@securecart/contracts';
import { PROFILES } from '../lib/config/profiles';

/*
 * The TypeScript matcher against AWS's documented results. The same cases also run against moto in
 * `npm run test:matchers` (scripts/check-matchers.ts).
 */
describe('event matchers: documented semantics', () => {
  test.each(MATCHER_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(matchCase(c.case)).toBe(c.expected);
  });

  test('the cases cover both outcomes for every family', () => {
    for (const prefix of ['EventBridge:', 'SNS attributes:', 'SNS body:']) {
      const family = MATCHER_CASES.filter((c) => c.name.startsWith(prefix));
      expect({ prefix, matching: family.some((c) => c.expected) }).toEqual({ prefix, matching: true });
      expect({ prefix, failing: family.some((c) => !c.expected) }).toEqual({ prefix, failing: true });
    }
  });

  test("the project's rule patterns and filter policies are all within the supported syntax", () => {
    for (const profile of Object.values(PROFILES)) {
      for (const pattern of [
        RULE_PATTERNS.highValueOrder(profile.screening),
        RULE_PATTERNS.suspiciousOrder(profile.screening),
        RULE_PATTERNS.inventoryLow(),
        COMPLIANCE_PATTERN(),
      ]) {
        expect(() => validateEventPattern(pattern)).not.toThrow();
      }
    }
    for (const statuses of Object.values(STATUS_SUBSCRIPTIONS))
      expect(() => validateFilterPolicy({ status: [...statuses] })).not.toThrow();
  });

  test('an SNS message without a policy-relevant attribute, and an empty body, match nothing', () => {
    expect(matchesFilterPolicy({ status: ['PAID'] }, {})).toBe(false);
    expect(matchesFilterPolicy({ status: ['PAID'] }, {}, 'MessageBody')).toBe(false);
    expect(matchesFilterPolicy({ status: ['PAID'] }, { body: '{"status":"PAID"}' }, 'MessageBody')).toBe(true);
  });
});

describe('event matchers: unsupported syntax throws, naming the operator and where it is', () => {
  const event = { source: 'a', detail: { n: 1, s: 'x' } };
  const rejects = (pattern: unknown, message: RegExp) => {
    expect(() => matchesEventPattern(pattern, event)).toThrow(UnsupportedFilterError);
    expect(() => matchesEventPattern(pattern, event)).toThrow(message);
    expect(() => validateEventPattern(pattern)).toThrow(message);
  };

  test.each([
    [
      'an unknown operator',
      { detail: { s: [{ 'starts-with': 'x' }] } },
      /"detail\.s\[0\]": unknown operator "starts-with"/,
    ],
    [
      'wildcard (valid EventBridge, not implemented)',
      { detail: { s: [{ wildcard: 'x*' }] } },
      /"wildcard" is not implemented/,
    ],
    [
      'cidr (valid EventBridge, not implemented)',
      { detail: { s: [{ cidr: '10.0.0.0/24' }] } },
      /"cidr" is not implemented/,
    ],
    ['an operator object with two keys', { detail: { n: [{ numeric: ['>', 0], exists: true }] } }, /exactly one key/],
    ['an empty filter list', { source: [] }, /"source": an empty filter list/],
    ['a bare value instead of a list', { source: 'a' }, /"source": must be an array of filters or a nested object/],
    ['a pattern that is not an object', ['a'], /the pattern: a pattern must be a JSON object/],
    [
      'an unknown numeric operator',
      { detail: { n: [{ numeric: ['!=', 1] }] } },
      /malformed numeric filter.*unknown operator "!="/,
    ],
    [
      'a numeric filter with an odd length',
      { detail: { n: [{ numeric: ['>', 1, '<'] }] } },
      /malformed numeric filter/,
    ],
    ['a numeric range of two lower bounds', { detail: { n: [{ numeric: ['>', 1, '>=', 2] }] } }, /one lower bound/],
    ['a numeric bound that is not a number', { detail: { n: [{ numeric: ['>', '1'] }] } }, /"1" is not a number/],
    ['exists with a non-boolean', { detail: { n: [{ exists: 'yes' }] } }, /"exists" takes true or false/],
    ['anything-but with an empty list', { detail: { s: [{ 'anything-but': [] }] } }, /non-empty list/],
    [
      'anything-but mixing strings and numbers',
      { detail: { s: [{ 'anything-but': ['a', 1] }] } },
      /only strings or only numbers/,
    ],
    [
      'anything-but wildcard',
      { detail: { s: [{ 'anything-but': { wildcard: 'x*' } }] } },
      /"anything-but": \{"wildcard"/,
    ],
    ['prefix with a number', { detail: { s: [{ prefix: 1 }] } }, /"prefix" takes a string/],
    ['$or with one branch', { $or: [{ source: ['a'] }] }, /"\$or" takes an array of at least two patterns/],
  ])('%s', (_name, pattern, message) => rejects(pattern, message));

  test('the whole pattern is checked, not only the filters an event happens to reach', () => {
    // The first filter matches; the second is unsupported: still an error.
    expect(() => matchesEventPattern({ source: ['a', { wildcard: 'a*' }] }, event)).toThrow(/wildcard/);
    // The event has no `detail.x` at all.
    expect(() => matchesEventPattern({ detail: { x: [{ suffixx: 'a' }] } }, event)).toThrow(/suffixx/);
  });

  test.each([
    ['an unknown operator', { status: [{ 'not-in': ['PAID'] }] }, /"status\[0\]": unknown operator "not-in"/],
    ['cidr (valid SNS, not implemented)', { ip: [{ cidr: '10.0.0.0/24' }] }, /"cidr" is not implemented/],
    [
      'a nested policy in attribute scope',
      { order: { status: ['PAID'] } },
      /nested policies need FilterPolicyScope MessageBody/,
    ],
    ['a boolean rule', { flag: [true] }, /true, false and null are not implemented/],
    ['anything-but equals-ignore-case', { s: [{ 'anything-but': { 'equals-ignore-case': 'x' } }] }, /not implemented/],
    ['prefix ignoring case', { s: [{ prefix: { 'equals-ignore-case': 'x' } }] }, /"prefix" takes a string/],
  ])('SNS: %s', (_name, policy, message) => {
    expect(() => matchesFilterPolicy(policy, { attributes: { status: { Type: 'String', Value: 'PAID' } } })).toThrow(
      message,
    );
    expect(() => validateFilterPolicy(policy)).toThrow(UnsupportedFilterError);
  });

  test('SNS: malformed or unknown message attributes are reported, not silently ignored', () => {
    const policy = { status: ['PAID'] };
    expect(() => matchesFilterPolicy(policy, { attributes: { status: { Type: 'Strng', Value: 'PAID' } } })).toThrow(
      /type "Strng"/,
    );
    expect(() =>
      matchesFilterPolicy(policy, { attributes: { status: { Type: 'String.Array', Value: 'PAID' } } }),
    ).toThrow(/String.Array/);
    expect(() => matchesFilterPolicy(policy, { attributes: { status: { Type: 'Number', Value: 'ten' } } })).toThrow(
      /Number/,
    );
    expect(() => matchesFilterPolicy(policy, {}, 'Body' as never)).toThrow(/unknown FilterPolicyScope/);
  });

  test('a case of an unknown kind is an error', () => {
    expect(() => matchCase({ kind: 'sqs' } as never)).toThrow(/unknown case kind "sqs"/);
  });
});
