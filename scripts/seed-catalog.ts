/**
 * npm run seed:catalog -- [--stack SecureCart-<profile>-Data | --table NAME] [--file products.json]
 *
 * Puts demo products into the Catalog table of a deployment (AWS, LocalStack or an emulator: the
 * standard AWS_* variables choose where), so a fresh deployment has something to sell. Without
 * --table the table name is read from the Data stack's `CatalogTableName` output (default stack:
 * SecureCart-sandbox-Data). Products from --file (a JSON array of CatalogItem) replace the demo set.
 * Every item is checked before anything is written; existing products with the same id are
 * overwritten (stock included), others are left alone.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CatalogItem } from '@securecart/contracts/tables';

export const DEMO_PRODUCTS: readonly CatalogItem[] = [
  ['mug-001', 'Stoneware mug', 1_400, 'eu-central'],
  ['tee-002', 'Organic cotton T-shirt', 2_500, 'eu-central'],
  ['bag-003', 'Canvas tote bag', 1_800, 'eu-west'],
  ['lamp-004', 'Desk lamp', 6_900, 'eu-west'],
  ['chair-005', 'Oak chair', 24_900, 'eu-west'],
  ['print-006', 'Art print, A3', 3_200, 'eu-central'],
].map(([productId, name, priceCents, warehouse]) => ({
  productId: productId as string,
  name: name as string,
  priceCents: priceCents as number,
  stock: 50,
  reorderLevel: 5,
  reorderQuantity: 50,
  warehouse: warehouse as string,
  active: true,
}));

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
  });
  return problems;
}

async function tableFromStack(stackName: string): Promise<string> {
  const { Stacks = [] } = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
  const name = Stacks[0]?.Outputs?.find((o) => o.OutputKey === 'CatalogTableName')?.OutputValue;
  if (!name) throw new Error(`${stackName} has no CatalogTableName output: is it deployed?`);
  return name;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { stack: { type: 'string' }, table: { type: 'string' }, file: { type: 'string' } },
  });
  const items: unknown = values.file ? JSON.parse(readFileSync(values.file, 'utf8')) : DEMO_PRODUCTS;
  const problems = catalogProblems(items);
  if (problems.length) {
    console.error(`seed:catalog: nothing written, the products are invalid:\n  ${problems.join('\n  ')}`);
    return 2;
  }
  const products = items as CatalogItem[];
  const table = values.table ?? (await tableFromStack(values.stack ?? 'SecureCart-sandbox-Data'));
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  for (let i = 0; i < products.length; i += 25) {
    let requests: Record<string, any[]> | undefined = {
      [table]: products.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    for (let attempt = 0; requests && Object.keys(requests).length > 0; attempt++) {
      if (attempt === 5) throw new Error('DynamoDB kept returning unprocessed items; try again later');
      ({ UnprocessedItems: requests } = await ddb.send(new BatchWriteCommand({ RequestItems: requests })));
      if (requests && Object.keys(requests).length > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
  console.log(`seed:catalog: ${products.length} products in ${table}: ${products.map((p) => p.productId).join(', ')}`);
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
