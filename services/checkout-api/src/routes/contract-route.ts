/**
 * Registers a route of the HTTP API contract (contracts/http-api.ts): its method, its path (in
 * Fastify's form), its params, querystring and body schemas (validated by the zod type provider),
 * authentication when its access is `customer`, and its success status. The handler's request is
 * typed by those schemas and its return value must be the contract's response type, so a drift
 * between the service and the contract is a compile error. Responses are not validated at run
 * time (that would cost a parse per response); test/http-contract.test.ts checks real ones.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, LogLevel } from 'fastify';
import { HTTP_API, fastifyPath } from '@securecart/contracts/http-api';
import type { RouteContract, RouteName } from '@securecart/contracts/http-api';
import type * as z from '@securecart/contracts/zod';

type Route<N extends RouteName> = (typeof HTTP_API)[N];

/** The parsed type of one of a route's request parts; unknown when the route has none. */
type Part<R, K extends 'params' | 'querystring' | 'body'> = R extends { readonly [P in K]: infer S }
  ? S extends z.ZodMiniType
    ? z.infer<S>
    : unknown
  : unknown;

export type ContractRequest<N extends RouteName> = FastifyRequest<{
  Params: Part<Route<N>, 'params'>;
  Querystring: Part<Route<N>, 'querystring'>;
  Body: Part<Route<N>, 'body'>;
}>;

/** What the route answers with its success status (a handler may set another status, e.g. 503). */
export type ContractResponse<N extends RouteName> = z.infer<Route<N>['response']>;

export type ContractHandler<N extends RouteName> = (
  request: ContractRequest<N>,
  reply: FastifyReply,
) => Promise<ContractResponse<N>>;

export interface ContractRouteOptions {
  readonly logLevel?: LogLevel;
}

export function contractRoute<N extends RouteName>(
  app: FastifyInstance,
  name: N,
  handler: ContractHandler<N>,
  options: ContractRouteOptions = {},
): void {
  const route: RouteContract = HTTP_API[name];
  const { params, querystring, body, status } = route;
  app.route({
    method: route.method,
    url: fastifyPath(route.path),
    schema: { ...(params ? { params } : {}), ...(querystring ? { querystring } : {}), ...(body ? { body } : {}) },
    ...(route.access === 'customer' ? { onRequest: app.authenticate } : {}),
    ...options,
    handler: (request, reply) => {
      reply.code(status);
      return handler(request as ContractRequest<N>, reply);
    },
  });
}
