import { randomUUID } from 'node:crypto';
import {
  HTTP_API,
  IDEMPOTENCY_KEY_HEADER,
  OrderAcceptedSchema,
  OrderViewSchema,
  routePath,
} from '@securecart/contracts/http-api';
import type { CreateOrderBody, OrderView } from '@securecart/contracts/http-api';
import { isTerminalStatus } from '@securecart/contracts/status';
import { CheckFailure } from '../../../test/smoke/report';
import { pollUntil } from '../../../test/smoke/util';
import { httpRequest, joinUrl, short } from '../http';

/*
 * A customer's orders through CloudFront, as the storefront places and follows them.
 */

const authJson = (token: string) => ({
  authorization: `Bearer ${token}`,
  accept: 'application/json',
  'content-type': 'application/json',
});

/** POST /api/orders (202 PENDING); returns the order id. */
export async function placeOrder(storefrontUrl: string, accessToken: string, body: CreateOrderBody): Promise<string> {
  const url = joinUrl(storefrontUrl, HTTP_API.createOrder.path);
  const r = await httpRequest(url, {
    method: 'POST',
    headers: { ...authJson(accessToken), [IDEMPOTENCY_KEY_HEADER]: randomUUID() },
    body: JSON.stringify(body),
  });
  const accepted = OrderAcceptedSchema.safeParse(r.json);
  if (r.status !== 202 || !accepted.success)
    throw new CheckFailure(`POST ${url} → ${r.status} (expected 202 PENDING): ${short(r.text)}`);
  return accepted.data.orderId;
}

/** GET /api/orders/{id} as the customer: the answer's status and the order when it is one. */
export async function getOrder(storefrontUrl: string, accessToken: string, orderId: string) {
  const url = joinUrl(storefrontUrl, routePath(HTTP_API.getOrder.path, { id: orderId }));
  const r = await httpRequest(url, { headers: authJson(accessToken) });
  const parsed = r.status === 200 ? OrderViewSchema.safeParse(r.json) : undefined;
  return { url, status: r.status, text: r.text, order: parsed?.success ? parsed.data : undefined };
}

/** Polls the order until it is terminal; checks it ended as expected. Returns the PASS detail. */
export async function awaitOutcome(
  storefrontUrl: string,
  accessToken: string,
  orderId: string,
  expected: { status: 'FULFILLED' | 'CANCELLED'; reason: string | null },
  deadline: number,
  intervalMs = 3000,
): Promise<string> {
  let last: OrderView | undefined;
  let lastAnswer = '';
  const placedAt = Date.now();
  const terminal = await pollUntil(deadline, intervalMs, async () => {
    const r = await getOrder(storefrontUrl, accessToken, orderId);
    if (!r.order) {
      lastAnswer = `GET ${r.url} → ${r.status}: ${short(r.text)}`;
      return undefined;
    }
    last = r.order;
    return isTerminalStatus(r.order.status) ? r.order : undefined;
  });
  if (!terminal) {
    const where = last ? `still ${last.status} (${last.statusHistory.map((s) => s.status).join(' → ')})` : lastAnswer;
    throw new CheckFailure(`order ${orderId} did not end in time: ${where}`);
  }
  const path = terminal.statusHistory.map((s) => s.status).join(' → ');
  if (terminal.status !== expected.status || (terminal.reason ?? null) !== expected.reason)
    throw new CheckFailure(
      `order ${orderId} ended ${terminal.status}${terminal.reason ? ` ${terminal.reason}` : ''}, expected ${expected.status}${expected.reason ? ` ${expected.reason}` : ''} (${path})`,
    );
  return `order ${orderId} ${path} in ${((Date.now() - placedAt) / 1000).toFixed(0)} s`;
}

/** Another customer asking for the order gets 404 (not 200, not 403 that would confirm it exists). */
export async function checkOrderIsolation(storefrontUrl: string, otherToken: string, orderId: string): Promise<string> {
  const r = await getOrder(storefrontUrl, otherToken, orderId);
  if (r.status !== 404)
    throw new CheckFailure(`another customer's GET ${r.url} → ${r.status} (expected 404): ${short(r.text)}`);
  return `another customer's GET /api/orders/${orderId} → 404`;
}
