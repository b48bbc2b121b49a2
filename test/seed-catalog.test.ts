import { catalogProblems, DEMO_PRODUCTS, profileFor } from '../scripts/seed-catalog';

describe('seed:catalog product checks', () => {
  test('the demo products are valid', () => {
    expect(catalogProblems(DEMO_PRODUCTS)).toEqual([]);
  });

  test('every problem is named by index and field, and nothing partial passes', () => {
    const bad = [
      { ...DEMO_PRODUCTS[0], productId: 'has space', priceCents: 0 },
      { ...DEMO_PRODUCTS[1], stock: -1, active: 'yes' },
      { ...DEMO_PRODUCTS[1] },
      'not an object',
    ];
    expect(catalogProblems(bad)).toEqual([
      '0.productId: expected 1-64 letters, digits, _ or -',
      '0.priceCents: expected a positive integer (US cents)',
      '1.stock: expected an integer >= 0',
      '1.active: expected true or false',
      `2.productId: duplicate ${DEMO_PRODUCTS[1].productId}`,
      '3.(item): expected an object',
    ]);
    expect(catalogProblems([])).toEqual(['(file): expected a non-empty JSON array of products']);
    expect(catalogProblems({})).toEqual(['(file): expected a non-empty JSON array of products']);
  });
});

describe('seed:catalog profile', () => {
  test('a local endpoint means localstack, any other (or none) the CDK default, sandbox', () => {
    for (const local of ['http://localhost:4566', 'http://127.0.0.1:39211', 'https://localhost.localstack.cloud:4566'])
      expect(profileFor({}, local)).toBe('localstack');
    expect(profileFor({}, undefined)).toBe('sandbox');
    expect(profileFor({}, 'https://dynamodb.eu-west-1.amazonaws.com')).toBe('sandbox');
    expect(profileFor({}, 'not a url')).toBe('sandbox');
  });

  test('the profile given wins, from --profile or -c profile=NAME (the last one)', () => {
    expect(profileFor({ context: ['profile=prod'] }, 'http://localhost:4566')).toBe('prod');
    expect(profileFor({ context: ['other=1', 'profile=sandbox', 'profile=prod'] }, undefined)).toBe('prod');
    expect(profileFor({ profile: 'sandbox', context: ['profile=prod'] }, 'http://localhost:4566')).toBe('sandbox');
  });
});
