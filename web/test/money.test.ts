import { describe, expect, it } from 'vitest';
import { formatPrice } from '../src/money';

describe('prices in the customer’s words', () => {
  it('formats the catalog’s currency for the customer’s locale', () => {
    expect(formatPrice(1999, 'USD', ['en-US'])).toBe('$19.99');
    expect(formatPrice(1999, 'USD', ['de-DE']).replace(/\s/g, ' ')).toBe('19,99 $');
    expect(formatPrice(123456, 'USD', ['en-IN'])).toBe('$1,234.56');
    expect(formatPrice(1999, 'EUR', ['fr-FR']).replace(/\s/g, ' ')).toBe('19,99 €');
  });

  it('falls back to en-US for a locale Intl does not accept', () => {
    expect(formatPrice(500, 'USD', ['not a locale!'])).toBe('$5.00');
  });
});
