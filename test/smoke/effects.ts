import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { claimKey, idempotencyKey, WorkflowOrderSchema } from '@securecart/contracts';
import type { Clients } from './aws';
import type { PlacedOrder, RunPlan } from './orders';
import type { StackOutputs } from './outputs';
import { CheckFailure } from './report';
import { pollUntil } from './util';

/*
 * What the fulfilled and cancelled orders must have left behind in DynamoDB: payment records,
 * invoices, stock levels with no reservation left, and the restock that InventoryLow triggered.
 */

const total = (plan: RunPlan, s: PlacedOrder) =>
  s.request.items.reduce(
    (sum, i) => sum + Object.values(plan.products).find((p) => p.productId === i.productId)!.priceCents * i.quantity,
    0,
  );

export async function checkPaymentsAndStock(
  c: Clients,
  o: StackOutputs,
  plan: RunPlan,
  orders: readonly PlacedOrder[],
  finished: ReadonlySet<string>,
): Promise<string> {
  if (finished.size === 0) throw new CheckFailure('not run: no order reached its expected outcome');
  const problems: string[] = [];
  const get = async (table: string, key: Record<string, string>) =>
    (await c.doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

  let records = 0;
  for (const s of orders) {
    if (!finished.has(s.key)) continue;
    const { orderId } = s;
    const payment = await get(o.IdempotencyTableName, { id: idempotencyKey('payment', orderId) });
    const invoice = await get(o.IdempotencyTableName, { id: idempotencyKey('invoice', orderId) });
    const charged = s.path.includes('PAID');
    const declined = s.reason === 'PAYMENT_DECLINED';
    if (charged) {
      if (payment?.status !== 'CHARGED' || payment.amountCents !== total(plan, s)) {
        problems.push(
          `${s.key}: payment ${payment?.status ?? 'missing'} ${payment?.amountCents ?? ''}, expected CHARGED ${total(plan, s)}`,
        );
      }
      if (typeof invoice?.invoiceNumber !== 'string' || invoice.totalCents !== total(plan, s)) {
        problems.push(
          `${s.key}: invoice ${invoice?.invoiceNumber ?? 'missing'} ${invoice?.totalCents ?? ''}, expected one for ${total(plan, s)}`,
        );
      }
    } else if (declined) {
      if (payment?.status !== 'DECLINED')
        problems.push(`${s.key}: payment ${payment?.status ?? 'missing'}, expected DECLINED`);
    } else if (payment) {
      problems.push(`${s.key}: has a payment record (${payment.status}) but was never charged`);
    }
    if (!charged && invoice) problems.push(`${s.key}: has an invoice but was never charged`);
    records += (payment ? 1 : 0) + (invoice ? 1 : 0);
  }

  // Stock: units of every shipped order are gone for good, nothing stays reserved.
  const shipped = orders.filter((s) => finished.has(s.key) && s.terminal === 'FULFILLED');
  const levels: string[] = [];
  for (const key of ['std', 'pin'] as const) {
    const p = plan.products[key];
    const units = shipped
      .flatMap((s) => s.request.items)
      .filter((i) => i.productId === p.productId)
      .reduce((n, i) => n + i.quantity, 0);
    const item = await get(o.CatalogTableName, { productId: p.productId });
    const reserved = item?.reservedOrders instanceof Set ? [...item.reservedOrders] : [];
    if (item?.stock !== p.stock - units)
      problems.push(`${p.productId}: stock ${item?.stock}, expected ${p.stock - units}`);
    if (reserved.length > 0) problems.push(`${p.productId}: still reserved for ${reserved.join(', ')}`);
    levels.push(`${key} ${item?.stock}`);
  }
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `${records} payment/invoice records as expected; stock ${levels.join(', ')}, no reservations left`;
}

/** The run reserves 3 of 6 `lux` units (reorder level 5): one InventoryLow → restock adds reorderQuantity once. */
export async function checkRestock(
  c: Clients,
  o: StackOutputs,
  plan: RunPlan,
  orders: readonly PlacedOrder[],
  finished: ReadonlySet<string>,
  timeoutMs: number,
): Promise<string> {
  const lux = plan.products.lux;
  const luxScenarios = plan.scenarios.filter((s) => s.request.items.some((i) => i.productId === lux.productId));
  const unfinished = luxScenarios.filter((s) => !finished.has(s.key)).map((s) => s.key);
  if (unfinished.length > 0)
    throw new CheckFailure(`not run: ${unfinished.join(', ')} did not reach the expected outcome`);
  const luxKeys = new Set(luxScenarios.map((s) => s.key));
  const luxOrders = new Set(orders.filter((s) => luxKeys.has(s.key)).map((s) => s.orderId));
  let last: Record<string, unknown> | undefined;
  const done = await pollUntil(Date.now() + timeoutMs, 1000, async () => {
    last = (
      await c.doc.send(
        new GetCommand({ TableName: o.CatalogTableName, Key: { productId: lux.productId }, ConsistentRead: true }),
      )
    ).Item;
    return last?.stock === plan.luxRestockedStock && typeof last.lastRestockTrigger === 'string' ? last : undefined;
  });
  if (!done) {
    throw new CheckFailure(
      `${lux.productId}: stock ${String(last?.stock)}, lastRestockTrigger ${String(last?.lastRestockTrigger ?? 'unset')} after ${timeoutMs / 1000} s; expected stock ${plan.luxRestockedStock} (${lux.stock} − 3 reserved + ${lux.reorderQuantity} restocked once)`,
    );
  }
  const trigger = String(done.lastRestockTrigger);
  if (!luxOrders.has(trigger))
    throw new CheckFailure(`${lux.productId} restocked by ${trigger}, not by one of this run's orders`);
  const reserved = done.reservedOrders instanceof Set ? [...done.reservedOrders] : [];
  if (reserved.length > 0) throw new CheckFailure(`${lux.productId}: still reserved for ${reserved.join(', ')}`);
  return `${lux.productId}: ${lux.stock} − 3 + ${lux.reorderQuantity} = ${done.stock}, restocked once (trigger ${trigger})`;
}

/**
 * The claim check (docs/adr/0019): each finished order's execution input is the order without its
 * payment token and address (a WorkflowOrder, nothing more), and the payment claim is gone once
 * the charge was captured or declined.
 */
export async function checkClaims(
  c: Clients,
  o: StackOutputs,
  orders: readonly PlacedOrder[],
  finished: ReadonlySet<string>,
): Promise<string> {
  if (finished.size === 0) throw new CheckFailure('not run: no order reached its expected outcome');
  const problems: string[] = [];
  let checked = 0;
  for (const s of orders) {
    if (!finished.has(s.key)) continue;
    const executionArn = `${o.StateMachineArn.replace(':stateMachine:', ':execution:')}:${s.orderId}`;
    const { input } = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const parsed = JSON.parse(input ?? '{}');
    const keys = Object.keys(parsed);
    if ('payment' in parsed || 'shippingAddress' in parsed || /tok_/.test(input ?? '')) {
      problems.push(`${s.key}: the execution input holds the token or the address (${keys.join(', ')})`);
    }
    if (!WorkflowOrderSchema.safeParse(parsed).success)
      problems.push(`${s.key}: the execution input is no WorkflowOrder`);
    const settled = s.path.includes('PAID') || s.reason === 'PAYMENT_DECLINED';
    if (settled && typeof parsed.claim === 'string') {
      const { Item } = await c.doc.send(
        new GetCommand({
          TableName: o.OrderClaimsTableName,
          Key: { claimId: claimKey('payment', parsed.claim) },
          ConsistentRead: true,
        }),
      );
      if (Item) problems.push(`${s.key}: the payment claim is still there after the payment was settled`);
    }
    checked++;
  }
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `${checked} executions started without token or address; settled payments left no token claim`;
}
