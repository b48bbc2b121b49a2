/**
 * The X-Ray trace header, as one order's trace crosses the tiers: API Gateway → the checkout
 * service (`X-Amzn-Trace-Id`) → the outbox row → orders.fifo (`AWSTraceHeader`) → start-fulfillment
 * → Step Functions (`traceHeader`) → SNS → the order-status queue → the service again. Each hop
 * parses what it received and passes on a header rebuilt from the validated parts only.
 */
export interface TraceContext {
  /** `1-<8 hex: epoch seconds>-<24 hex>` */
  readonly traceId: string;
  /** The segment (16 hex) the next one hangs from, if any. */
  readonly parentId?: string;
  readonly sampled: boolean;
}

/** Parses `Root=1-…;Parent=…;Sampled=1` (any field order, other fields ignored); undefined without a valid root. */
export function parseTraceHeader(header: string | undefined): TraceContext | undefined {
  if (!header || header.length > 1024) return undefined;
  const fields = Object.fromEntries(
    header.split(';').map((part) => {
      const [key, ...value] = part.trim().split('=');
      return [key, value.join('=')];
    }),
  );
  if (!/^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(fields.Root ?? '')) return undefined;
  const parentId = /^[0-9a-f]{16}$/.test(fields.Parent ?? '') ? fields.Parent : undefined;
  return { traceId: fields.Root, parentId, sampled: fields.Sampled === '1' };
}

/** The header form of a trace context: `Root=…;Parent=…;Sampled=1|0` (under 100 characters). */
export function renderTraceHeader(trace: TraceContext): string {
  return `Root=${trace.traceId}${trace.parentId ? `;Parent=${trace.parentId}` : ''};Sampled=${trace.sampled ? 1 : 0}`;
}
