import { CHECKOUT_ENV } from '@securecart/contracts/env';
import { HTTP_API, RecommendationsSchema, routePath } from '@securecart/contracts/http-api';
import type { ClickBatch } from '@securecart/contracts/clickstream';
import type { CheckoutApi } from './http';
import { describeResponse } from './http';
import type { StackOutputs } from './outputs';
import { CheckFailure } from './report';
import { pollUntil } from './util';

/*
 * The clickstream (issue 21) as the local runs see it: the Pipeline stack's stream and the
 * ProductAffinity table, named by its outputs, handed to the checkout service (its local
 * forwarder serves POST /api/events into the stream; its recommendation routes read the table),
 * and the end-to-end check that two products viewed in one session become each other's
 * recommendation (stream → consumer Lambda → ProductAffinity → GET .../recommendations).
 */

/**
 * The checkout service's settings for the clickstream, from the Pipeline stack's outputs (required
 * by outputs.ts): its local forwarder puts POST /api/events into the stream, its recommendation
 * routes read ProductAffinity.
 */
export function clickstreamEnv(
  o: Pick<StackOutputs, 'ClickstreamStreamName' | 'ProductAffinityTableName'>,
): Record<string, string> {
  return {
    [CHECKOUT_ENV.clickstreamStreamName]: o.ClickstreamStreamName,
    [CHECKOUT_ENV.productAffinityTable]: o.ProductAffinityTableName,
  };
}

/**
 * Two products viewed in one session (sent as the storefront sends them: POST /api/events, here
 * answered by the service's forwarder) become each other's recommendation, basis `co_viewed`,
 * within `timeoutMs`. `sessionId` must be new to the stream (a run id in it).
 */
export async function checkCoViewRecommendation(
  api: CheckoutApi,
  products: readonly [string, string],
  sessionId: string,
  timeoutMs: number,
): Promise<string> {
  const [first, second] = products;
  const started = Date.now();
  const at = (ms: number) => new Date(started + ms).toISOString();
  const batch: ClickBatch = {
    sessionId,
    events: [
      { type: 'product_viewed', productIds: [first], occurredAt: at(0) },
      { type: 'product_viewed', productIds: [second], occurredAt: at(1000) },
    ],
  };
  const sent = await api.request('POST', HTTP_API.recordEvents.path, { json: batch });
  if (sent.status !== HTTP_API.recordEvents.status || sent.body?.received !== 2)
    throw new CheckFailure(`${describeResponse('POST', HTTP_API.recordEvents.path, sent)} (expected 202, received 2)`);
  const path = routePath(HTTP_API.getRecommendations.path, { id: first });
  let last = '';
  const found = await pollUntil(started + timeoutMs, 500, async () => {
    const r = await api.get(path);
    const parsed = RecommendationsSchema.safeParse(r.body);
    if (r.status !== 200 || !parsed.success) throw new CheckFailure(describeResponse('GET', path, r));
    last = parsed.data.products.map((p) => `${p.productId}:${p.basis}`).join(', ') || 'none';
    return parsed.data.products.find((p) => p.productId === second && p.basis === 'co_viewed');
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!found)
    throw new CheckFailure(`${second} not co-viewed with ${first} within ${timeoutMs / 1000} s (last: ${last})`);
  return `POST /api/events (2 views, one session) → ${second} recommended for ${first} (co_viewed) after ${seconds} s`;
}
