/**
 * Access logging and error answers: one access line per request, every error answered as the
 * contract's ErrorBody (a 400 lists its problems), and the headers every response carries.
 */
import { LogController } from 'fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody } from '@securecart/contracts/http-api';
import { formatIssues } from '@securecart/contracts/problems';
import { HttpError } from '../http-error';
import { rootPlugin } from './root-plugin';

/** What POST /api/orders did with the request: which order, and whether it was created now. */
export interface OrderRequestResult {
  readonly orderId: string;
  readonly result: 'created' | 'replayed' | 'conflict';
  readonly items?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What POST /api/orders did, for the request's access line (see AccessLogController). */
    orderRequest: OrderRequestResult | null;
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function sendError(reply: FastifyReply, statusCode: number, message: string, problems?: string[]) {
  const body: ErrorBody = {
    statusCode,
    error: STATUS_NAMES[statusCode] ?? 'Error',
    message,
    ...(problems ? { problems } : {}),
  };
  return reply.status(statusCode).send(body);
}

/**
 * One access line per request ("request completed": request id, route, status, time; for an order
 * request also the order id and what happened to it: created, replayed or conflict) instead of
 * two or three: the "incoming request" line adds nothing the completion line lacks, and a
 * separate "order accepted" line would only repeat it (each line costs serialization, redaction
 * and a write on the request path).
 */
export class AccessLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const order = request.orderRequest;
    const line = order
      ? { req: request, res: reply, responseTime: reply.elapsedTime, ...order }
      : { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    const issues = error.validation.map((v) => ({
      path: v.instancePath.split('/').filter(Boolean),
      message: String(v.message),
    }));
    const problems = formatIssues(issues, where, [where]);
    request.log.info({ problems }, 'Request rejected: validation failed');
    return sendError(reply, 400, problems.join('; '), problems);
  }
  if (error instanceof HttpError) {
    request.log.info({ statusCode: error.statusCode }, error.message);
    return sendError(reply, error.statusCode, error.message);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, body too large, wrong content type, ...).
    request.log.info({ code: error.code, statusCode: status }, 'Request rejected');
    return sendError(reply, status, error.message);
  }
  request.log.error({ err: error }, 'Request failed');
  return sendError(reply, status >= 500 && status < 600 ? status : 500, 'Internal Server Error');
}

/** Error and not-found answers, and the headers of every response. Responses never echo bodies or stacks. */
export const loggingAndErrors = rootPlugin(async (app) => {
  app.decorateRequest('orderRequest', null);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, `Route ${request.method} ${request.url.split('?')[0]} not found`),
  );
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    // Only responses that say so may be cached (by CloudFront or anyone else).
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
});
