/**
 * The matcher's syntax, case by case, with the result AWS documents for it (re-exported by
 * `match-grid.ts`, which holds the samples for the synthesized patterns and policies). Used by
 * `test/event-matchers.test.ts` and by `scripts/check-matchers.ts`, where moto referees.
 */
import type { MatchCase, SnsMessageAttribute } from './event-matchers';

/** A case with the result AWS documents for it. */
export interface MatcherCase {
  readonly name: string;
  readonly case: MatchCase;
  readonly expected: boolean;
  /**
   * Set where moto (5.x) is known to answer differently from AWS's documentation; the referee
   * reports these apart and does not count them as disagreements.
   */
  readonly motoDiffers?: string;
}

const ev = (name: string, pattern: unknown, event: unknown, expected: boolean, motoDiffers?: string): MatcherCase => ({
  name: `EventBridge: ${name}`,
  case: { kind: 'event', pattern, event },
  expected,
  motoDiffers,
});
const attrs = (
  name: string,
  policy: unknown,
  attributes: Record<string, SnsMessageAttribute>,
  expected: boolean,
  motoDiffers?: string,
): MatcherCase => ({
  name: `SNS attributes: ${name}`,
  case: { kind: 'sns', policy, scope: 'MessageAttributes', attributes },
  expected,
  motoDiffers,
});
const body = (
  name: string,
  policy: unknown,
  message: unknown,
  expected: boolean,
  motoDiffers?: string,
): MatcherCase => ({
  name: `SNS body: ${name}`,
  case: {
    kind: 'sns',
    policy,
    scope: 'MessageBody',
    body: typeof message === 'string' ? message : JSON.stringify(message),
  },
  expected,
  motoDiffers,
});
const S = (Value: string) => ({ Type: 'String', Value });
const N = (Value: string) => ({ Type: 'Number', Value });
const SA = (values: unknown[]) => ({ Type: 'String.Array', Value: JSON.stringify(values) });

/**
 * The matcher's syntax, case by case, with AWS's documented result: EventBridge content filtering
 * (eb-create-pattern-operators, eb-event-patterns-content-based-filtering) and SNS filter policies
 * (string-value-matching, numeric-value-matching, attribute-key-matching, and-or-logic).
 */
export const MATCHER_CASES: readonly MatcherCase[] = [
  // EventBridge: exact values
  ev('exact string', { source: ['a.b'] }, { source: 'a.b' }, true),
  ev('exact string, other value', { source: ['a.b'] }, { source: 'a.c' }, false),
  ev('exact string is case-sensitive', { source: ['a.b'] }, { source: 'A.B' }, false),
  ev('one of several values', { source: ['x', 'y', 'z'] }, { source: 'y' }, true),
  ev('exact number', { detail: { n: [5] } }, { detail: { n: 5 } }, true),
  ev('a number does not equal its string', { detail: { n: [5] } }, { detail: { n: '5' } }, false),
  ev('a string does not equal a number', { detail: { n: ['5'] } }, { detail: { n: 5 } }, false),
  ev('exact null', { detail: { n: [null] } }, { detail: { n: null } }, true),
  ev('exact boolean', { detail: { b: [true] } }, { detail: { b: true } }, true),
  ev('exact boolean, other value', { detail: { b: [true] } }, { detail: { b: false } }, false),
  ev('every key must match', { source: ['s'], 'detail-type': ['t'] }, { source: 's', 'detail-type': 'u' }, false),
  ev('absent field', { detail: { n: ['x'] } }, { detail: {} }, false),
  ev('nested objects', { detail: { a: { b: ['x'] } } }, { detail: { a: { b: 'x', c: 1 } } }, true),
  ev('nested objects, other value', { detail: { a: { b: ['x'] } } }, { detail: { a: { b: 'y' } } }, false),
  ev('a pattern leaf does not match an object', { detail: { a: ['x'] } }, { detail: { a: { b: 'x' } } }, false),
  // EventBridge: arrays in events
  ev('array: one element matches', { resources: ['arn:1'] }, { resources: ['arn:0', 'arn:1'] }, true),
  ev('array: no element matches', { resources: ['arn:1'] }, { resources: ['arn:0', 'arn:2'] }, false),
  ev('array: numeric on elements', { detail: { n: [{ numeric: ['>', 10] }] } }, { detail: { n: [1, 20] } }, true),
  ev('array: prefix on elements', { detail: { n: [{ prefix: 'ab' }] } }, { detail: { n: ['x', 'abc'] } }, true),
  ev(
    'array of objects: an element matches the nested pattern',
    { detail: { items: { sku: ['b'] } } },
    { detail: { items: [{ sku: 'a' }, { sku: 'b' }] } },
    true,
    'moto does not descend into arrays of objects',
  ),
  ev(
    'array of objects: no element matches the nested pattern',
    { detail: { items: { sku: ['c'] } } },
    { detail: { items: [{ sku: 'a' }, { sku: 'b' }] } },
    false,
  ),
  // EventBridge: prefix, suffix, equals-ignore-case
  ev('prefix', { time: [{ prefix: '2026-11' }] }, { time: '2026-11-21T00:00:00Z' }, true),
  ev('prefix, other value', { time: [{ prefix: '2026-11' }] }, { time: '2025-11-21' }, false),
  ev('prefix does not apply to numbers', { detail: { n: [{ prefix: '1' }] } }, { detail: { n: 12 } }, false),
  ev(
    'prefix ignoring case',
    { source: [{ prefix: { 'equals-ignore-case': 'SECURE' } }] },
    { source: 'securecart' },
    true,
  ),
  ev('suffix', { detail: { f: [{ suffix: '.png' }] } }, { detail: { f: 'a.png' } }, true),
  ev('suffix, other value', { detail: { f: [{ suffix: '.png' }] } }, { detail: { f: 'a.jpg' } }, false),
  ev('equals-ignore-case', { detail: { s: [{ 'equals-ignore-case': 'paid' }] } }, { detail: { s: 'PAID' } }, true),
  // EventBridge: numeric
  ev('numeric >=, at the bound', { detail: { n: [{ numeric: ['>=', 100] }] } }, { detail: { n: 100 } }, true),
  ev('numeric >=, below', { detail: { n: [{ numeric: ['>=', 100] }] } }, { detail: { n: 99.5 } }, false),
  ev('numeric <, at the bound', { detail: { n: [{ numeric: ['<', 100] }] } }, { detail: { n: 100 } }, false),
  ev('numeric <, below', { detail: { n: [{ numeric: ['<', 100] }] } }, { detail: { n: -3 } }, true),
  ev('numeric range, inside', { detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } }, { detail: { n: 5 } }, true),
  ev(
    'numeric range, lower bound excluded',
    { detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } },
    { detail: { n: 0 } },
    false,
  ),
  ev('numeric range, above', { detail: { n: [{ numeric: ['>=', 0, '<', 5] }] } }, { detail: { n: 5 } }, false),
  ev('numeric =', { detail: { n: [{ numeric: ['=', 301.5] }] } }, { detail: { n: 3.015e2 } }, true),
  ev('numeric needs a JSON number', { detail: { n: [{ numeric: ['>', 0] }] } }, { detail: { n: '10' } }, false),
  ev('numeric, absent field', { detail: { n: [{ numeric: ['>', 0] }] } }, { detail: {} }, false),
  // EventBridge: anything-but
  ev('anything-but a list', { detail: { c: [{ 'anything-but': ['US', 'DE'] }] } }, { detail: { c: 'KP' } }, true),
  ev(
    'anything-but a list, listed',
    { detail: { c: [{ 'anything-but': ['US', 'DE'] }] } },
    { detail: { c: 'DE' } },
    false,
  ),
  ev('anything-but a value', { detail: { c: [{ 'anything-but': 'US' }] } }, { detail: { c: 'us' } }, true),
  ev('anything-but numbers', { detail: { n: [{ 'anything-but': [100, 500] }] } }, { detail: { n: 500 } }, false),
  ev('anything-but numbers, other', { detail: { n: [{ 'anything-but': [100, 500] }] } }, { detail: { n: 101 } }, true),
  ev(
    'anything-but never matches an absent field',
    { detail: { c: [{ 'anything-but': ['US'] }] } },
    { detail: {} },
    false,
  ),
  ev(
    'anything-but prefix',
    { detail: { r: [{ 'anything-but': { prefix: 'us-' } }] } },
    { detail: { r: 'eu-west-1' } },
    true,
  ),
  ev(
    'anything-but prefix, prefixed',
    { detail: { r: [{ 'anything-but': { prefix: 'us-' } }] } },
    { detail: { r: 'us-east-1' } },
    false,
  ),
  ev(
    'anything-but suffix',
    { detail: { f: [{ 'anything-but': { suffix: '.png' } }] } },
    { detail: { f: 'a.png' } },
    false,
  ),
  ev(
    'anything-but on an array: an element not excluded',
    { detail: { c: [{ 'anything-but': ['US'] }] } },
    { detail: { c: ['US', 'KP'] } },
    true,
  ),
  ev(
    'anything-but on an array: all excluded',
    { detail: { c: [{ 'anything-but': ['US'] }] } },
    { detail: { c: ['US'] } },
    false,
  ),
  // EventBridge: exists, $or
  ev('exists true, present', { detail: { c: [{ exists: true }] } }, { detail: { c: 'x' } }, true),
  ev('exists true, absent', { detail: { c: [{ exists: true }] } }, { detail: {} }, false),
  ev('exists false, absent', { detail: { c: [{ exists: false }] } }, { detail: { d: 1 } }, true),
  ev('exists false, present', { detail: { c: [{ exists: false }] } }, { detail: { c: 0 } }, false),
  ev('exists false under an absent parent', { detail: { a: { c: [{ exists: false }] } } }, { detail: {} }, true),
  ev('exists true, null value', { detail: { c: [{ exists: true }] } }, { detail: { c: null } }, true),
  ev(
    '$or: second branch',
    { $or: [{ source: ['a'] }, { 'detail-type': ['t'] }] },
    { source: 'b', 'detail-type': 't' },
    true,
  ),
  ev(
    '$or: no branch',
    { $or: [{ source: ['a'] }, { 'detail-type': ['t'] }] },
    { source: 'b', 'detail-type': 'u' },
    false,
  ),
  ev(
    '$or inside detail',
    { detail: { $or: [{ n: [{ numeric: ['<', 0] }] }, { m: ['x'] }] } },
    { detail: { n: 3, m: 'x' } },
    true,
  ),

  // SNS attributes: strings
  attrs('exact string', { status: ['PAID', 'FAILED'] }, { status: S('PAID') }, true),
  attrs('exact string, other value', { status: ['PAID', 'FAILED'] }, { status: S('VALIDATED') }, false),
  attrs('exact string is case-sensitive', { status: ['PAID'] }, { status: S('paid') }, false),
  attrs('absent attribute', { status: ['PAID'] }, { kind: S('PAID') }, false),
  attrs('no attributes', { status: ['PAID'] }, {}, false),
  attrs(
    'String.Array: one element matches',
    { interests: ['rugby', 'tennis'] },
    { interests: SA(['soccer', 'rugby']) },
    true,
  ),
  attrs('String.Array: no element matches', { interests: ['rugby', 'tennis'] }, { interests: SA(['baseball']) }, false),
  attrs('every key must match', { status: ['PAID'], kind: ['order'] }, { status: S('PAID'), kind: S('refund') }, false),
  attrs('every key matches', { status: ['PAID'], kind: ['order'] }, { status: S('PAID'), kind: S('order') }, true),
  attrs('prefix', { store: [{ prefix: 'example' }] }, { store: S('example_corp') }, true),
  attrs('prefix, other value', { store: [{ prefix: 'example' }] }, { store: S('corp_example') }, false),
  attrs('suffix', { file: [{ suffix: '.png' }] }, { file: S('a.png') }, true),
  attrs('equals-ignore-case', { status: [{ 'equals-ignore-case': 'paid' }] }, { status: S('PAID') }, true),
  // SNS attributes: numbers
  attrs('exact number', { price: [301.5] }, { price: N('301.5') }, true),
  attrs('exact number, written differently', { price: [{ numeric: ['=', 301.5] }] }, { price: N('3.015e2') }, true),
  attrs('a number rule does not match a String', { price: [5] }, { price: S('5') }, false),
  attrs('numeric range, inside', { price: [{ numeric: ['>', 0, '<=', 150] }] }, { price: N('150') }, true),
  attrs('numeric range, outside', { price: [{ numeric: ['>', 0, '<=', 150] }] }, { price: N('150.5') }, false),
  attrs('numeric on a String attribute', { price: [{ numeric: ['>', 0] }] }, { price: S('10') }, false),
  attrs('String.Array of numbers, exact', { price: [100] }, { price: SA([50, 100]) }, true),
  // SNS attributes: anything-but, exists, $or
  attrs('anything-but', { size: [{ 'anything-but': ['small', 'medium'] }] }, { size: S('large') }, true),
  attrs('anything-but, listed', { size: [{ 'anything-but': ['small', 'medium'] }] }, { size: S('small') }, false),
  attrs(
    'anything-but never matches an absent attribute',
    { size: [{ 'anything-but': ['small'] }] },
    { color: S('red') },
    false,
  ),
  attrs('anything-but numbers', { price: [{ 'anything-but': [100, 500] }] }, { price: N('100.1') }, true),
  attrs('anything-but numbers, listed', { price: [{ 'anything-but': [100, 500] }] }, { price: N('100') }, false),
  attrs(
    'anything-but prefix',
    { event: [{ 'anything-but': { prefix: 'order-' } }] },
    { event: S('refund-issued') },
    true,
  ),
  attrs(
    'anything-but prefix, prefixed',
    { event: [{ 'anything-but': { prefix: 'order-' } }] },
    { event: S('order-placed') },
    false,
  ),
  attrs(
    'anything-but on a String.Array with an element not excluded',
    { interests: [{ 'anything-but': ['rugby', 'tennis'] }] },
    { interests: SA(['rugby', 'baseball']) },
    true,
    "moto compares the characters of a String.Array's JSON text for anything-but (it agrees here by accident)",
  ),
  attrs(
    'anything-but on a String.Array, all excluded',
    { interests: [{ 'anything-but': ['rugby'] }] },
    { interests: SA(['rugby']) },
    false,
    "moto compares the characters of a String.Array's JSON text for anything-but",
  ),
  attrs('exists true', { store: [{ exists: true }] }, { store: S('fans') }, true),
  attrs('exists true, absent', { store: [{ exists: true }] }, { other: S('x') }, false),
  attrs('exists false, absent', { store: [{ exists: false }] }, { other: S('x') }, true),
  attrs('exists false, present', { store: [{ exists: false }] }, { store: S('fans') }, false),
  attrs(
    'exists false, no attributes at all',
    { store: [{ exists: false }] },
    {},
    false,
    'AWS: "exists": false only matches if at least one attribute is present; moto matches an empty set',
  ),
  attrs('$or: second branch', { $or: [{ status: ['PAID'] }, { kind: ['refund'] }] }, { kind: S('refund') }, true),
  attrs('$or: no branch', { $or: [{ status: ['PAID'] }, { kind: ['refund'] }] }, { kind: S('order') }, false),

  // SNS MessageBody
  body('exact string', { status: ['PAID'] }, { status: 'PAID' }, true),
  body('exact string, other value', { status: ['PAID'] }, { status: 'FAILED' }, false),
  body('nested object', { order: { status: ['PAID'] } }, { order: { status: 'PAID', id: 'o' } }, true),
  body('nested object, other value', { order: { status: ['PAID'] } }, { order: { status: 'FAILED' } }, false),
  body('nested object absent', { order: { status: ['PAID'] } }, { status: 'PAID' }, false),
  body('array value: one element matches', { interests: ['rugby'] }, { interests: ['soccer', 'rugby'] }, true),
  body('array value: no element matches', { interests: ['rugby'] }, { interests: ['soccer'] }, false),
  body('numeric range', { price: [{ numeric: ['>=', 100, '<', 200] }] }, { price: 150 }, true),
  body('numeric range, outside', { price: [{ numeric: ['>=', 100, '<', 200] }] }, { price: 200 }, false),
  body(
    'numeric on a string',
    { price: [{ numeric: ['>=', 100] }] },
    { price: '150' },
    false,
    'moto raises a TypeError comparing a string with a number',
  ),
  body('prefix', { event: [{ prefix: 'order-' }] }, { event: 'order-placed' }, true),
  body('anything-but', { status: [{ 'anything-but': ['PAID'] }] }, { status: 'FAILED' }, true),
  body('anything-but, listed', { status: [{ 'anything-but': ['PAID'] }] }, { status: 'PAID' }, false),
  body(
    'anything-but on an array with an element not excluded',
    { price: [{ 'anything-but': [100, 500] }] },
    { price: [100, 50] },
    true,
    'moto requires every element to be outside the list; AWS documents { "price": [100, 50] } as matching',
  ),
  body('exists true', { store: [{ exists: true }] }, { store: 'fans' }, true),
  body('exists false', { store: [{ exists: false }] }, { other: 1 }, true),
  body('exists false, present', { store: [{ exists: false }] }, { store: 'fans' }, false),
  body('every key must match', { status: ['PAID'], kind: ['order'] }, { status: 'PAID', kind: 'refund' }, false),
  body(
    '$or',
    { $or: [{ status: ['PAID'] }, { kind: ['refund'] }] },
    { status: 'FAILED', kind: 'refund' },
    true,
    'moto does not implement $or for MessageBody policies (it raises a TypeError)',
  ),
  body('a body that is not JSON', { status: ['PAID'] }, 'PAID', false),
];
