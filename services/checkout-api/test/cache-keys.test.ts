/** Cache keys (src/cache/keys.ts): whatever ids a client sends, a key is short, printable and unambiguous. */
import fc from 'fast-check';
import { CACHE_SCHEMA_VERSION, cacheKey, keyPart } from '../src/cache/keys';

test('plain short ids stay readable; the schema version leads every key', () => {
  expect(cacheKey('order', 'customer-1', 'order_2')).toBe(`sc:v${CACHE_SCHEMA_VERSION}:order:=customer-1:=order_2`);
});

test('separators, Unicode and long ids are hashed, never spliced into the key', () => {
  expect(keyPart('a:b')).toMatch(/^#[A-Za-z0-9_-]{43}$/);
  expect(keyPart('👩‍💻 ünïcödé')).toMatch(/^#[A-Za-z0-9_-]{43}$/);
  expect(keyPart('x'.repeat(65))).toMatch(/^#/);
  expect(keyPart('x'.repeat(64))).toBe(`=${'x'.repeat(64)}`);
  // A customer "a:=b" cannot reach the key of customer "a" and order "b".
  expect(cacheKey('order', 'a:=b', 'c')).not.toBe(cacheKey('order', 'a', 'b:c'));
});

test('any parts give a short printable key, and different parts give different keys', () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: 'binary', maxLength: 500 }), { minLength: 1, maxLength: 3 }),
      fc.array(fc.string({ unit: 'binary', maxLength: 500 }), { minLength: 1, maxLength: 3 }),
      (one, two) => {
        const k1 = cacheKey('order', ...one);
        expect(k1).toMatch(/^[\x21-\x7e]+$/);
        expect(k1.length).toBeLessThanOrEqual(12 + one.length * 45);
        if (JSON.stringify(one) !== JSON.stringify(two)) expect(k1).not.toBe(cacheKey('order', ...two));
      },
    ),
  );
});

test('a namespace is code, not input', () => {
  expect(() => cacheKey('Order:x')).toThrow(/namespace/);
});
