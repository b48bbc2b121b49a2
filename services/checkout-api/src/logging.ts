/**
 * Structured JSON logs (Fastify's pino). Every line of a request carries its request id; order
 * lines carry the order id. Payment tokens, addresses, authorization headers and bodies never
 * reach a log line: the code does not log them, and these redact paths censor them if a future
 * change tries.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyServerOptions } from 'fastify';
import { REQUEST_ID_HEADER } from '@securecart/contracts/http-api';

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'headers.authorization',
  'authorization',
  'token',
  'payment',
  'shippingAddress',
  'address',
  'body',
  'order.payment',
  'order.shippingAddress',
  'req.body',
  'res.body',
  '*.token',
  '*.payment',
  '*.shippingAddress',
  '*.body',
  '*.*.payment',
  '*.*.shippingAddress',
];

export interface LogDestination {
  write(line: string): void;
}

const REQUEST_ID = /^[A-Za-z0-9._:;=-]{1,128}$/;

export function loggerOptions(level: string, stream?: LogDestination): FastifyServerOptions['logger'] {
  return {
    level,
    base: { service: 'checkout-api' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    messageKey: 'message',
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // Only what helps to follow a request: never headers, query strings or bodies.
      req: (req: { method?: string; url?: string; routeOptions?: { url?: string } }) => ({
        method: req.method,
        route: req.routeOptions?.url,
        path: req.url?.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    ...(stream ? { stream } : {}),
  };
}

/** Request ids: API Gateway's (x-request-id, set from its own) when well-formed, else a new one. */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  // Only the header API Gateway sets from its own request id (contracts/http-api.ts): a client's
  // x-amzn-requestid (or any other) never becomes the id of a log line.
  const value = req.headers[REQUEST_ID_HEADER];
  if (typeof value === 'string' && REQUEST_ID.test(value)) return value;
  return randomUUID();
}
