/**
 * Authentication: `app.authenticate`, the onRequest hook of every route the contract marks
 * `access: 'customer'` (routes/contract-route.ts attaches it). It verifies the bearer token and
 * sets `request.customerId` (the token's sub); anything else is a 401.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, bearerToken } from '../auth';
import type { TokenVerifier } from '../auth';
import { HttpError } from '../http-error';
import { rootPlugin } from './root-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token's sub ('' on public routes). */
    customerId: string;
  }
  interface FastifyInstance {
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
}

export const authentication = rootPlugin<{ readonly verifier: TokenVerifier }>(async (app, { verifier }) => {
  app.decorateRequest('customerId', '');
  app.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpError(401, 'A bearer token is required');
    }
    try {
      request.customerId = (await verifier.verify(token)).customerId;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      request.log.info({ reason: error.message }, 'Token rejected');
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new HttpError(401, 'The bearer token is not valid');
    }
  });
});
