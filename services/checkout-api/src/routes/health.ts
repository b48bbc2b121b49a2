/** GET /api/health/live (the process answers) and /api/health/ready (the database is usable). */
import type { FastifyPluginAsync } from 'fastify';
import { contractRoute } from './contract-route';

export interface Readiness {
  readonly ok: boolean;
  readonly reason?: string;
}

export const healthRoutes: FastifyPluginAsync<{ readonly readiness: () => Promise<Readiness> }> = async (
  app,
  { readiness },
) => {
  contractRoute(app, 'live', async () => ({ status: 'ok' }), { logLevel: 'warn' });
  contractRoute(
    app,
    'ready',
    async (_request, reply) => {
      const { ok, reason } = await readiness();
      if (!ok) {
        reply.code(503);
        return { status: 'unavailable', reason };
      }
      return { status: 'ready' };
    },
    { logLevel: 'warn' },
  );
};
