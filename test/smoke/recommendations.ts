import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CHECKOUT_ENV } from '@securecart/contracts/env';
import { HTTP_API, RecommendationsSchema, routePath } from '@securecart/contracts/http-api';
import type { ClickBatch } from '@securecart/contracts/clickstream';
import type { Clients } from './aws';
import type { CheckoutApi } from './http';
import { describeResponse } from './http';
import { CheckFailure } from './report';
import { pollUntil } from './util';

/*
 * The clickstream (issue 21) as the local runs see it: the Pipeline stack's stream and the
 * ProductAffinity table, found by their outputs, handed to the checkout service (its local
 * forwarder serves POST /api/events into the stream; its recommendation routes read the table),
 * and the end-to-end check that two products viewed in one session become each other's
 * recommendation (stream → consumer Lambda → ProductAffinity → GET .../recommendations).
 */

/** The outputs that name them (lib/stacks/pipeline-stack.ts; the table's also in the Data stack's). */
export const CLICKSTREAM_OUTPUTS = {
  streamName: 'ClickstreamStreamName',
  affinityTable: 'ProductAffinityTableName',
} as const;

export interface ClickstreamOutputs {
  readonly streamName?: string;
  readonly affinityTable?: string;
}

/** Each output from the first stack that has it (stacks in the order given). */
export function pickClickstreamOutputs(stacks: readonly Readonly<Record<string, string>>[]): ClickstreamOutputs {
  const find = (key: string) => stacks.map((s) => s[key]).find((v) => typeof v === 'string' && v.length > 0);
  return {
    streamName: find(CLICKSTREAM_OUTPUTS.streamName),
    affinityTable: find(CLICKSTREAM_OUTPUTS.affinityTable),
  };
}

/** The outputs of the deployed stacks (a stack that cannot be read adds nothing: its outputs are optional). */
export async function clickstreamOutputs(clients: Clients, stackNames: readonly string[]): Promise<ClickstreamOutputs> {
  const stacks = await Promise.all(
    stackNames.map(async (StackName) => {
      try {
        const stack = (await clients.cfn.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0];
        return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
      } catch {
        return {};
      }
    }),
  );
  return pickClickstreamOutputs(stacks);
}

/** The checkout service's settings for them (only those found; unset: no forwarder, empty recommendations). */
export function clickstreamEnv(o: ClickstreamOutputs): Record<string, string> {
  return {
    ...(o.streamName ? { [CHECKOUT_ENV.clickstreamStreamName]: o.streamName } : {}),
    ...(o.affinityTable ? { [CHECKOUT_ENV.productAffinityTable]: o.affinityTable } : {}),
  };
}

/** Why the end-to-end check cannot run with these outputs, or undefined when it can. */
export function missingClickstream(o: ClickstreamOutputs): string | undefined {
  const missing = Object.entries(CLICKSTREAM_OUTPUTS)
    .filter(([key]) => !o[key as keyof ClickstreamOutputs])
    .map(([, output]) => output);
  return missing.length ? `no ${missing.join(' or ')} output in the deployed stacks` : undefined;
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
