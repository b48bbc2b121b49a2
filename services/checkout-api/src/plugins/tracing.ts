/**
 * Continues the trace API Gateway started: a segment per traced request (sampled: recorded), and
 * `request.trace` for the order's outbox row. A malformed header is ignored, never echoed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseTraceHeader, renderTraceHeader } from '@securecart/contracts/tracing';
import type { TraceContext } from '@securecart/contracts/tracing';
import { newSegmentId, segment, sendSegment } from '../tracing';
import type { SegmentSink } from '../tracing';
import { rootPlugin } from './root-plugin';

export interface RequestTrace extends TraceContext {
  /** This request's segment: the parent of what the order does next when it is recorded. */
  readonly segmentId: string;
  /** Sampled, and there is somewhere to send the segment (the agent's X-Ray listener). */
  readonly recorded: boolean;
  readonly startTime: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The X-Ray trace API Gateway sent (X-Amzn-Trace-Id), with this request's segment; null without one. */
    trace: RequestTrace | null;
  }
}

/** The trace header the order carries on: this request's segment as parent when it is recorded. */
export function orderTraceHeader(trace: RequestTrace | null): string | undefined {
  if (!trace) return undefined;
  return renderTraceHeader({
    traceId: trace.traceId,
    parentId: trace.recorded ? trace.segmentId : trace.parentId,
    sampled: trace.sampled,
  });
}

function faultFields(status: number): Record<string, boolean> {
  if (status >= 500) return { fault: true };
  if (status === 429) return { throttle: true };
  if (status >= 400) return { error: true };
  return {};
}

function requestSegment(trace: RequestTrace, request: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  const status = reply.statusCode;
  const order = request.orderRequest;
  return segment(trace, trace.segmentId, trace.startTime, {
    http: {
      request: { method: request.method, url: request.url.split('?')[0] },
      response: { status },
    },
    annotations: {
      operation: `${request.method} ${request.routeOptions.url ?? 'unmatched'}`,
      ...(order ? { orderId: order.orderId, result: order.result } : {}),
    },
    ...faultFields(status),
  });
}

export interface TracingOptions {
  /** Where the segments of traced requests go (the agent's X-Ray listener); none: not recorded. */
  readonly segmentSink?: SegmentSink;
}

export const tracing = rootPlugin<TracingOptions>(async (app, { segmentSink }) => {
  app.decorateRequest('trace', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers['x-amzn-trace-id'];
    const trace = parseTraceHeader(typeof header === 'string' ? header : undefined);
    if (trace) {
      const recorded = trace.sampled && segmentSink !== undefined;
      request.trace = { ...trace, segmentId: newSegmentId(), recorded, startTime: Date.now() / 1000 };
    }
  });
  if (!segmentSink) return;
  app.addHook('onResponse', async (request, reply) => {
    const trace = request.trace;
    if (!trace?.recorded) return;
    sendSegment(segmentSink, requestSegment(trace, request, reply), request.log);
  });
});
