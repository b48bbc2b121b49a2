/**
 * The one string type for free text that crosses the pipeline (names, address lines, product
 * ids): what a customer types must be storable by every store on an order's path, or be refused
 * at the door with a message naming the field and the reason — never accepted and then refused
 * by a store further on, where it would answer 500 or hold up other customers' orders.
 *
 * The stores and what they refuse:
 * - SQS message bodies: only `#x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF`
 *   (so no other control character below U+0020, no U+FFFE/U+FFFF, no unpaired surrogate);
 * - PostgreSQL text and JSONB: no U+0000, and no `\ud800`-style escape of an unpaired surrogate;
 * - DynamoDB, Step Functions, EventBridge: valid UTF-8, i.e. no unpaired surrogate.
 *
 * SafeText goes further for single-line fields: no control character at all (C0, DEL, C1; a tab
 * or line break in a name or address line is never intended), and no Unicode noncharacter
 * (U+FDD0–U+FDEF and the last two code points of every plane), which Unicode reserves for
 * internal use. Text is NFC-normalised before it is checked, so "é" typed as e + U+0301 and as
 * U+00E9 are the same string, of the same length. Lengths count characters (code points), not
 * UTF-16 units, so a name of emoji may be as long as a name of letters; `maxBytes` bounds the
 * UTF-8 size where a store counts bytes.
 */
import * as z from './zod';

export interface UnsafeCharacter {
  /** Index in characters (code points) from the start of the text. */
  readonly position: number;
  /** `U+FFFF`. */
  readonly codePoint: string;
  readonly reason: string;
}

const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why one code point is refused, or undefined when every store accepts it. */
function refusal(codePoint: number, isLoneSurrogate: boolean): string | undefined {
  if (isLoneSurrogate) return 'an unpaired surrogate, which is not a character';
  if (codePoint === 0) return 'the NUL character';
  if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f)) return 'a control character';
  if ((codePoint >= 0xfdd0 && codePoint <= 0xfdef) || (codePoint & 0xfffe) === 0xfffe) return 'a noncharacter';
  return undefined;
}

/** The first character of `value` that SafeText refuses, with the reason; undefined when there is none. */
export function findUnsafeCharacter(value: string): UnsafeCharacter | undefined {
  let position = 0;
  for (let i = 0; i < value.length; i++, position++) {
    const unit = value.charCodeAt(i);
    let codePoint = unit;
    let isLoneSurrogate = false;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        codePoint = (unit - 0xd800) * 0x400 + (next - 0xdc00) + 0x10000;
        i++;
      } else isLoneSurrogate = true;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) isLoneSurrogate = true;
    const reason = refusal(codePoint, isLoneSurrogate);
    if (reason) return { position, codePoint: hex(codePoint), reason };
  }
  return undefined;
}

/** Characters (code points) in `value`. */
export function characterCount(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++, count++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return count;
}

/** Bytes of `value` in UTF-8 (an unpaired surrogate counts as U+FFFD, as an encoder writes it). */
export const utf8Length = (value: string): number => new TextEncoder().encode(value).length;

export interface SafeTextLimits {
  /** Fewest characters. */
  readonly min: number;
  /** Most characters (code points, after NFC normalisation). */
  readonly max: number;
  /** Most UTF-8 bytes; by default 4 × max, which every text within `max` characters meets. */
  readonly maxBytes?: number;
}

/**
 * A free-text string every store on the order's path accepts: NFC-normalised, then checked for
 * refused characters and for its length in characters and UTF-8 bytes. Length problems read as
 * zod's own ("Too big: expected string to have <=200 characters"); a refused character names
 * itself, its position and why ("contains U+FFFF at character 4: a noncharacter"). The JSON
 * Schema of the field (API Gateway's request model, the schema registry) keeps minLength and
 * maxLength, which JSON Schema counts in characters too.
 */
export function safeText({ min, max, maxBytes = 4 * max }: SafeTextLimits) {
  const schema = z.string().check(
    z.normalize('NFC'),
    z.superRefine((value: string, ctx) => {
      const unsafe = findUnsafeCharacter(value);
      if (unsafe) {
        ctx.issues.push({
          code: 'custom',
          input: value,
          message: `contains ${unsafe.codePoint} at character ${unsafe.position + 1}: ${unsafe.reason}`,
        });
        return;
      }
      const length = characterCount(value);
      if (length < min)
        ctx.issues.push({ code: 'too_small', origin: 'string', minimum: min, inclusive: true, input: value });
      else if (length > max)
        ctx.issues.push({ code: 'too_big', origin: 'string', maximum: max, inclusive: true, input: value });
      else if (utf8Length(value) > maxBytes) {
        ctx.issues.push({
          code: 'too_big',
          origin: 'string',
          maximum: maxBytes,
          inclusive: true,
          input: value,
          message: `Too big: expected string to have <=${maxBytes} UTF-8 bytes`,
        });
      }
    }),
  );
  return schema.register(z.globalRegistry, { minLength: min, maxLength: max });
}
