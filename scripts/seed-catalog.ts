/**
 * npm run seed:catalog -- [-c profile=NAME | --profile NAME | --stack STACK | --table NAME]
 *                         [--file products.json] [--keep-existing]
 *
 * Puts demo products into the Catalog table of a deployment (AWS, LocalStack or an emulator: the
 * standard AWS_* variables choose where), so a fresh deployment has something to sell. Without
 * --table the table name is read from the Data stack's `CatalogTableName` output: --stack, else
 * SecureCart-<profile>-Data, where the profile is the one given (-c profile=NAME or --profile) or,
 * when none is, `localstack` if AWS_ENDPOINT_URL points at this machine and `sandbox` otherwise.
 * Products from --file (a JSON array of CatalogItem) replace the demo set. Every item is checked
 * before anything is written; existing products with the same id are overwritten (stock included)
 * unless --keep-existing, others are left alone. Prints the table, and what was written and kept.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { CATALOG_TEXT_LIMITS, IMAGE_KEY_PATTERN } from '@securecart/contracts/catalog';
import type { CatalogItem } from '@securecart/contracts/tables';
import { imageKeyOf } from './catalog/artwork';
import type { ArtworkName } from './catalog/artwork';

/** The demo catalog: each product with its words, its category and its picture (scripts/catalog/artwork.ts). */
const DEMO: readonly (readonly [string, string, number, string, string, ArtworkName, string, string])[] = [
  [
    'mug-001',
    'Stoneware mug',
    1_400,
    'eu-central',
    'Kitchen',
    'mug',
    'A blue stoneware mug of hot coffee with a cream-glazed base and a wide handle.',
    'A heavy stoneware mug, hand-glazed in deep blue over a cream base. Holds 350 ml, keeps coffee hot and goes in the dishwasher.',
  ],
  [
    'tee-002',
    'Organic cotton T-shirt',
    2_500,
    'eu-central',
    'Clothing',
    'tee',
    'A forest-green crew-neck T-shirt with a small cream check-mark emblem on the chest.',
    'A crew-neck T-shirt in forest green, knitted from certified organic cotton. Soft from the first wash, cut straight, sizes XS to XXL.',
  ],
  [
    'bag-003',
    'Canvas tote bag',
    1_800,
    'eu-west',
    'Clothing',
    'tote',
    'A natural canvas tote bag with long brown handles and a rust-red arc printed on the front.',
    'A sturdy tote of natural cotton canvas with long handles that sit on the shoulder. Carries a laptop, the shopping or a weekend.',
  ],
  [
    'lamp-004',
    'Desk lamp',
    6_900,
    'eu-west',
    'Home',
    'lamp',
    'A dark jointed desk lamp with a yellow shade casting a warm beam of light.',
    'An adjustable desk lamp with a steel arm, two brass joints and a yellow enamel shade. Warm 2700 K LED, dimmable, included.',
  ],
  [
    'chair-005',
    'Oak chair',
    24_900,
    'eu-west',
    'Home',
    'chair',
    'A solid oak chair with a ladder back, a wide seat and a footrest rail.',
    'A dining chair of solid European oak with a ladder back and a footrest rail, joined without metal and oiled by hand.',
  ],
  [
    'print-006',
    'Art print, A3',
    3_200,
    'eu-central',
    'Art',
    'print',
    'A framed print of teal mountains under a red sun on a peach sky.',
    'A giclée print of teal mountains under a red sun, on 300 g cotton paper, A3 (297 × 420 mm). Signed; the frame is not included.',
  ],
];

export const DEMO_PRODUCTS: readonly CatalogItem[] = DEMO.map(
  ([productId, name, priceCents, warehouse, category, artwork, imageAlt, description]) => ({
    productId,
    name,
    priceCents,
    stock: 50,
    reorderLevel: 5,
    reorderQuantity: 50,
    warehouse,
    active: true,
    description,
    imageKey: imageKeyOf(artwork),
    imageAlt,
    category,
  }),
);

/** Every problem with a list of products, as readable `index.field: problem` lines. */
export function catalogProblems(items: unknown): string[] {
  if (!Array.isArray(items) || items.length === 0) return ['(file): expected a non-empty JSON array of products'];
  const problems: string[] = [];
  const ids = new Set<string>();
  items.forEach((item, i) => {
    const p = (field: string, problem: string) => problems.push(`${i}.${field}: ${problem}`);
    if (typeof item !== 'object' || item === null) {
      p('(item)', 'expected an object');
      return;
    }
    const it = item as Record<string, unknown>;
    if (typeof it.productId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(it.productId))
      p('productId', 'expected 1-64 letters, digits, _ or -');
    else if (ids.has(it.productId)) p('productId', `duplicate ${it.productId}`);
    else ids.add(it.productId);
    if (typeof it.name !== 'string' || it.name.length === 0 || it.name.length > 200)
      p('name', 'expected 1-200 characters');
    for (const field of ['priceCents', 'stock', 'reorderLevel', 'reorderQuantity']) {
      const n = it[field];
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < (field === 'priceCents' ? 1 : 0))
        p(field, field === 'priceCents' ? 'expected a positive integer (US cents)' : 'expected an integer >= 0');
    }
    if (typeof it.warehouse !== 'string' || it.warehouse.length === 0) p('warehouse', 'expected a non-empty string');
    if (typeof it.active !== 'boolean') p('active', 'expected true or false');
    // The storefront's words and picture: optional, but well-formed when present.
    for (const field of ['description', 'imageAlt', 'category'] as const) {
      const text = it[field];
      const max = CATALOG_TEXT_LIMITS[field];
      if (text !== undefined && (typeof text !== 'string' || text.trim().length === 0 || text.length > max))
        p(field, `expected 1-${max} characters`);
    }
    if (it.imageKey !== undefined) {
      if (typeof it.imageKey !== 'string' || !IMAGE_KEY_PATTERN.test(it.imageKey))
        p('imageKey', 'expected <name>.<8 hex digits>, a picture in web/public/images/products');
      else if (it.imageAlt === undefined) p('imageAlt', 'a picture needs its text alternative');
    }
  });
  return problems;
}

/** Hosts that mean "this machine" (LocalStack's own names included). */
const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0|localstack|(.+\.)?localhost\.localstack\.cloud)$/;

/** True when `endpoint` (AWS_ENDPOINT_URL) is a local AWS endpoint: LocalStack, an emulator. */
export function isLocalEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    return LOCAL_HOST.test(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/**
 * The profile whose Data stack is meant: the one given (`-c profile=NAME` or `--profile NAME`),
 * else `localstack` for a local endpoint, else `sandbox` (the CDK app's default).
 */
export function profileFor(given: { context?: string[]; profile?: string }, endpoint: string | undefined): string {
  const fromContext = (given.context ?? [])
    .map((c) => /^profile=(.+)$/.exec(c)?.[1])
    .filter((p): p is string => !!p)
    .pop();
  return given.profile ?? fromContext ?? (isLocalEndpoint(endpoint) ? 'localstack' : 'sandbox');
}

async function tableFromStack(stackName: string): Promise<string> {
  const { Stacks = [] } = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
  const name = Stacks[0]?.Outputs?.find((o) => o.OutputKey === 'CatalogTableName')?.OutputValue;
  if (!name) throw new Error(`${stackName} has no CatalogTableName output: is it deployed?`);
  return name;
}

/**
 * Writes `products` to `table` in batches of 25. With keepExisting, products already in the table
 * (by id) are left as they are (stock included): seeding again changes nothing.
 */
export async function seedCatalog(
  table: string,
  products: readonly CatalogItem[],
  options: { keepExisting?: boolean; ddb?: DynamoDBDocumentClient } = {},
): Promise<{ written: string[]; kept: string[] }> {
  const ddb = options.ddb ?? DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const kept = new Set<string>();
  if (options.keepExisting) {
    for (let i = 0; i < products.length; i += 100) {
      let keys: Record<string, any> | undefined = {
        [table]: {
          Keys: products.slice(i, i + 100).map((p) => ({ productId: p.productId })),
          ProjectionExpression: 'productId',
        },
      };
      for (let attempt = 0; keys && Object.keys(keys).length > 0; attempt++) {
        if (attempt === 5) throw new Error('DynamoDB kept returning unprocessed keys; try again later');
        const answer: BatchGetCommandOutput = await ddb.send(new BatchGetCommand({ RequestItems: keys }));
        for (const item of answer.Responses?.[table] ?? []) kept.add(item.productId as string);
        keys = answer.UnprocessedKeys;
      }
    }
  }
  const toWrite = products.filter((p) => !kept.has(p.productId));
  for (let i = 0; i < toWrite.length; i += 25) {
    let requests: Record<string, any[]> | undefined = {
      [table]: toWrite.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    for (let attempt = 0; requests && Object.keys(requests).length > 0; attempt++) {
      if (attempt === 5) throw new Error('DynamoDB kept returning unprocessed items; try again later');
      ({ UnprocessedItems: requests } = await ddb.send(new BatchWriteCommand({ RequestItems: requests })));
      if (requests && Object.keys(requests).length > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
  return { written: toWrite.map((p) => p.productId), kept: [...kept] };
}

/** One line: what seedCatalog did. */
export function describeSeed(table: string, result: { written: string[]; kept: string[] }): string {
  const written = result.written.length
    ? `${result.written.length} product(s) written (${result.written.join(', ')})`
    : 'nothing written';
  const kept = result.kept.length ? `; ${result.kept.length} already there, kept as they are` : '';
  return `seed:catalog: ${table}: ${written}${kept}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: 'string' },
      table: { type: 'string' },
      file: { type: 'string' },
      profile: { type: 'string' },
      context: { type: 'string', short: 'c', multiple: true },
      'keep-existing': { type: 'boolean' },
    },
  });
  const items: unknown = values.file ? JSON.parse(readFileSync(values.file, 'utf8')) : DEMO_PRODUCTS;
  const problems = catalogProblems(items);
  if (problems.length) {
    console.error(`seed:catalog: nothing written, the products are invalid:\n  ${problems.join('\n  ')}`);
    return 2;
  }
  const products = items as CatalogItem[];
  const endpoint = process.env.AWS_ENDPOINT_URL;
  let table = values.table;
  if (!table) {
    const stack = values.stack ?? `SecureCart-${profileFor(values, endpoint)}-Data`;
    console.log(`seed:catalog: table from ${stack} (endpoint ${endpoint ?? 'AWS'})`);
    table = await tableFromStack(stack);
  }
  const result = await seedCatalog(table, products, { keepExisting: values['keep-existing'] });
  console.log(describeSeed(table, result));
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`seed:catalog: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
