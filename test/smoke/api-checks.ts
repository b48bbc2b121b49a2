import { describeResponse } from './http';
import type { CheckoutApi } from './http';
import type { LocalIssuer } from './issuer';
import type { PlacedOrder, RunPlan } from './orders';
import { CheckFailure } from './report';

/*
 * What the storefront reads through the checkout service besides placing orders: the catalog (the
 * products this run seeded, read from the Catalog table), the cart (the Carts table), the
 * customer's order list, and that one customer cannot see another's order.
 */

/** GET /api/products lists the seeded products; PUT then GET /api/cart round-trips through the Carts table. */
export async function checkCatalogAndCart(api: CheckoutApi, issuer: LocalIssuer, plan: RunPlan): Promise<string> {
  const problems: string[] = [];
  const products = await api.get('/api/products');
  if (products.status !== 200) throw new CheckFailure(describeResponse('GET', '/api/products', products));
  const listed = new Map<string, { name?: string; priceCents?: number; currency?: string; inStock?: boolean }>(
    (Array.isArray(products.body?.products) ? products.body.products : []).map(
      (p: { productId: string }) => [p.productId, p] as const,
    ),
  );
  for (const p of Object.values(plan.products)) {
    const got = listed.get(p.productId);
    if (!got) problems.push(`${p.productId} not listed`);
    else if (got.priceCents !== p.priceCents || got.name !== p.name || got.currency !== 'USD' || got.inStock !== true)
      problems.push(
        `${p.productId} listed as ${JSON.stringify(got)}, expected ${p.name} ${p.priceCents}¢ USD in stock`,
      );
  }
  if (!/public/.test(products.headers.get('cache-control') ?? ''))
    problems.push(`Cache-Control ${products.headers.get('cache-control')}, expected public`);
  const one = await api.get(`/api/products/${plan.products.lux.productId}`);
  if (one.status !== 200 || one.body?.priceCents !== plan.products.lux.priceCents)
    problems.push(describeResponse('GET', `/api/products/${plan.products.lux.productId}`, one));

  const customer = plan.scenarios[0].customerId;
  const token = issuer.token(customer);
  const items = [
    { productId: plan.products.std.productId, quantity: 1 },
    { productId: plan.products.lux.productId, quantity: 1 },
  ];
  const put = await api.request('PUT', '/api/cart', { token, json: { items } });
  if (put.status !== 200) problems.push(describeResponse('PUT', '/api/cart', put));
  const cart = await api.get('/api/cart', token);
  if (cart.status !== 200 || JSON.stringify(cart.body?.items) !== JSON.stringify(items) || !cart.body?.expiresAt)
    problems.push(`${describeResponse('GET', '/api/cart', cart)}, expected the ${items.length} items just put`);
  const anonymous = await api.get('/api/cart');
  if (anonymous.status !== 401)
    problems.push(`${describeResponse('GET', '/api/cart', anonymous)} without a token, expected 401`);
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `GET /api/products lists the ${Object.keys(plan.products).length} seeded products (of ${listed.size}) with their prices; PUT + GET /api/cart round-trip (${customer}); no token → 401`;
}

/**
 * Each customer's GET /api/orders lists exactly their order, at its terminal status; another
 * customer's token gets 404 for it (indistinguishable from an order that does not exist); a token
 * signed by a key the issuer's JWKS does not hold gets 401.
 */
export async function checkListsAndOwnership(
  api: CheckoutApi,
  issuer: LocalIssuer,
  orders: readonly PlacedOrder[],
): Promise<string> {
  if (orders.length === 0) throw new CheckFailure('not run: no order was placed');
  const problems: string[] = [];
  await Promise.all(
    orders.map(async (s, i) => {
      const token = issuer.token(s.customerId);
      const list = await api.get('/api/orders', token);
      const ids = Array.isArray(list.body?.orders) ? list.body.orders.map((x: { orderId: string }) => x.orderId) : [];
      if (list.status !== 200 || ids.length !== 1 || ids[0] !== s.orderId) {
        problems.push(`${s.key}: GET /api/orders → ${list.status} [${ids.join(', ')}], expected [${s.orderId}]`);
      } else if (list.body.orders[0].status !== s.terminal) {
        problems.push(`${s.key}: listed as ${list.body.orders[0].status}, expected ${s.terminal}`);
      }
      const other = orders[(i + 1) % orders.length];
      if (other !== s) {
        const path = `/api/orders/${s.orderId}`;
        const foreign = await api.get(path, issuer.token(other.customerId));
        if (foreign.status !== 404)
          problems.push(`${s.key}: ${describeResponse('GET', path, foreign)} with ${other.key}'s token, expected 404`);
      }
    }),
  );
  const forged = await api.get(`/api/orders/${orders[0].orderId}`, issuer.forgedToken(orders[0].customerId));
  if (forged.status !== 401) problems.push(`a token signed by an unknown key → ${forged.status}, expected 401`);
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `${orders.length} customers each list exactly their order; another customer's token → 404 for each; forged token → 401`;
}
