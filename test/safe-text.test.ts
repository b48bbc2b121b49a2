/**
 * SafeText (contracts/text.ts), the one string type for free text: property-based over the whole
 * code point range (lone surrogates included) against an independent oracle — the character sets
 * SQS, PostgreSQL and DynamoDB accept, written as a regular expression — plus hand-picked edges.
 */
import fc from 'fast-check';
import { characterCount, findUnsafeCharacter, safeText, utf8Length } from '@securecart/contracts/text';
import { parseOrder } from '@securecart/contracts/order';
import * as z from '@securecart/contracts/zod';
import { anOrder } from './handlers/support/fixtures';

/** SQS's message body characters (its documentation), as one regular expression over code points. */
const SQS_BODY = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/** What SafeText adds for single-line text: no control characters, no noncharacters. */
const SINGLE_LINE = /^[^\p{Cc}\p{Noncharacter_Code_Point}]*$/u;

/** Any code point, a lone surrogate included (String.fromCodePoint(0xd800) is one). */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp));
/** Mostly printable text with hostile characters mixed in, so both answers are common. */
const hostileUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: anyCodePoint },
  {
    weight: 1,
    arbitrary: fc.constantFrom('\u0000', '\ufffe', '\uffff', '\ufdd0', '\ud800', '\udc00', '\u0301', '\u200f', '😀'),
  },
);
const anyText = fc.oneof(
  fc.string({ unit: anyCodePoint, maxLength: 30 }),
  fc.string({ unit: hostileUnit, maxLength: 30 }),
);

const NAME = safeText({ min: 1, max: 20 });
const RUNS = 3000;

describe('SafeText', () => {
  it('accepts exactly the text every store accepts, within its length in characters', () => {
    let accepted = 0;
    fc.assert(
      fc.property(anyText, (raw) => {
        const nfc = raw.normalize('NFC');
        const storable = SQS_BODY.test(nfc) && !nfc.includes('\u0000') && SINGLE_LINE.test(nfc);
        const length = [...nfc].length;
        const expected = storable && length >= 1 && length <= 20;
        const result = NAME.safeParse(raw);
        expect(result.success).toBe(expected);
        if (result.success) {
          accepted++;
          const value = result.data;
          expect(value).toBe(nfc);
          expect(() => encodeURIComponent(value)).not.toThrow(); // throws on an unpaired surrogate
          // What PostgreSQL's JSONB, SQS and DynamoDB (UTF-8) get back is what was sent.
          expect(JSON.parse(JSON.stringify({ value })).value).toBe(value);
          expect(Buffer.from(value, 'utf8').toString('utf8')).toBe(value);
        } else {
          expect(result.error.issues).toHaveLength(1);
          expect(result.error.issues[0].message).toMatch(
            /^(contains U\+[0-9A-F]{4,6} at character \d+: .+|Too (big|small): .+)$/,
          );
        }
      }),
      { numRuns: RUNS, seed: 17 },
    );
    // Neither answer is vacuous.
    expect(accepted).toBeGreaterThan(RUNS / 10);
    expect(accepted).toBeLessThan(RUNS - RUNS / 10);
  });

  it.each([
    ['U+0000', 'Ada\u0000Lovelace', 'contains U+0000 at character 4: the NUL character'],
    ['U+FFFE', 'Ada\ufffe', 'contains U+FFFE at character 4: a noncharacter'],
    ['U+FFFF', '\uffffAda', 'contains U+FFFF at character 1: a noncharacter'],
    ['U+FDD0', 'A\ufdd0', 'contains U+FDD0 at character 2: a noncharacter'],
    ['U+1FFFF', 'A\u{1ffff}', 'contains U+1FFFF at character 2: a noncharacter'],
    [
      'a lone high surrogate',
      'Ada\ud800',
      'contains U+D800 at character 4: an unpaired surrogate, which is not a character',
    ],
    [
      'a lone low surrogate',
      '\udc00Ada',
      'contains U+DC00 at character 1: an unpaired surrogate, which is not a character',
    ],
    ['a line break', 'Ada\nLovelace', 'contains U+000A at character 4: a control character'],
    ['a C1 control', 'Ada\u0085', 'contains U+0085 at character 4: a control character'],
    ['DEL', 'Ada\u007f', 'contains U+007F at character 4: a control character'],
  ])('refuses %s, naming it and where it is', (_name, value, message) => {
    const result = NAME.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual([message]);
  });

  it.each([
    ['a combining mark (normalised to one character)', 'Jose\u0301', 'José'],
    ['right-to-left text with an RTL mark', '\u200fשלום', '\u200fשלום'],
    ['4-byte characters at the limit', '😀'.repeat(20), '😀'.repeat(20)],
    ['private-use characters', '\ue000\u{f0000}', '\ue000\u{f0000}'],
  ])('accepts %s', (_name, value, stored) => {
    expect(NAME.parse(value)).toBe(stored);
  });

  it('counts characters, not UTF-16 units, and bounds UTF-8 bytes when asked', () => {
    expect(NAME.safeParse('😀'.repeat(21)).error?.issues[0].message).toBe(
      'Too big: expected string to have <=20 characters',
    );
    expect(NAME.safeParse('').error?.issues[0].message).toBe('Too small: expected string to have >=1 characters');
    const key = safeText({ min: 1, max: 10, maxBytes: 12 });
    expect(key.safeParse('abcdefghij').success).toBe(true);
    expect(key.safeParse('ééééééé').error?.issues[0].message).toBe('Too big: expected string to have <=12 UTF-8 bytes');
    expect(characterCount('a😀\u0301')).toBe(3);
    expect(utf8Length('a😀é')).toBe(1 + 4 + 2);
    expect(findUnsafeCharacter('fine text')).toBeUndefined();
  });

  it('keeps its limits in the JSON Schema (API Gateway request model, schema registry)', () => {
    expect(z.toJSONSchema(safeText({ min: 0, max: 200 }), { target: 'draft-4' })).toMatchObject({
      type: 'string',
      minLength: 0,
      maxLength: 200,
    });
  });

  it('guards every free-text field of an order, naming the field', () => {
    const order = anOrder();
    const hostile = {
      ...order,
      customerId: 'cust\u0000',
      items: [{ ...order.items[0], productId: 'p\ud800' }],
      shippingAddress: {
        ...order.shippingAddress,
        name: 'Ada\uffff',
        line1: '1 Main\u0000St',
        line2: 'Flat\ufffe',
        city: 'C\u0085',
        postalCode: '\udc00',
      },
    };
    const result = parseOrder(hostile);
    expect(result.ok).toBe(false);
    const fields = result.ok ? [] : result.problems.map((p) => p.split(':')[0]).sort();
    expect(fields).toEqual(
      [
        'customerId',
        'items.0.productId',
        'shippingAddress.city',
        'shippingAddress.line1',
        'shippingAddress.line2',
        'shippingAddress.name',
        'shippingAddress.postalCode',
      ].sort(),
    );
  });
});
