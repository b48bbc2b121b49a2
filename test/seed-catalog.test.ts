import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { IMAGE_KEY_PATTERN, PRODUCT_IMAGE_SIZE, productImagePath } from '@securecart/contracts/catalog';
import { imageDrift } from '../scripts/catalog/write-images';
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

  test("the storefront's words and picture are checked when present", () => {
    const bad = [
      { ...DEMO_PRODUCTS[0], imageKey: '../mug.svg' },
      { ...DEMO_PRODUCTS[1], imageAlt: undefined, description: ' ', category: 'x'.repeat(41) },
      { ...DEMO_PRODUCTS[2], productId: 'plain', description: undefined, imageKey: undefined, imageAlt: undefined },
    ];
    expect(catalogProblems(bad)).toEqual([
      '0.imageKey: expected <name>.<8 hex digits>, a picture in web/public/images/products',
      '1.description: expected 1-1000 characters',
      '1.category: expected 1-40 characters',
      '1.imageAlt: a picture needs its text alternative',
    ]);
  });
});

describe('the demo catalog in the storefront', () => {
  const publicDir = path.join(__dirname, '..', 'web', 'public');

  test('every demo product has a description, a category and a picture with its words', () => {
    for (const product of DEMO_PRODUCTS) {
      expect(product.description?.length).toBeGreaterThan(40);
      expect(product.category).toBeTruthy();
      expect(product.imageKey).toMatch(IMAGE_KEY_PATTERN);
      expect(product.imageAlt?.length).toBeGreaterThan(20);
    }
    expect(new Set(DEMO_PRODUCTS.map((p) => p.category)).size).toBeGreaterThan(1);
  });

  test("each picture is in the storefront's public folder, drawn at the size the <img> declares", () => {
    for (const product of DEMO_PRODUCTS) {
      const file = path.join(publicDir, productImagePath(product.imageKey!));
      expect(existsSync(file)).toBe(true);
      const svg = readFileSync(file, 'utf8');
      expect(svg).toContain(`width="${PRODUCT_IMAGE_SIZE.width}" height="${PRODUCT_IMAGE_SIZE.height}"`);
      // Nothing the CSP would refuse or an <img> would not render: no script, no external reference.
      expect(svg).not.toMatch(/<script|href=|url\((?!#)/i);
    }
  });

  test('the committed pictures are exactly what scripts/catalog/artwork.ts draws (npm run images:products)', () => {
    expect(imageDrift()).toEqual([]);
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
