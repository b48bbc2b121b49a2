/**
 * GET /api/health/live (the process answers), /api/health/ready (the database is usable: kept
 * minimal, the load balancer's check) and /api/health/relay (internal: never on API Gateway; the
 * outbox relay's state for operators — a stuck relay does not make the task unready, since
 * accepting orders into the outbox is still right; the OutboxLag alarm calls for a look).
 */
import type { FastifyPluginAsync } from 'fastify';
import { API_LIMITS } from '@securecart/contracts/http-api';
import type { RelayHealth } from '@securecart/contracts/http-api';
import type { OutboxRelay } from '../outbox-relay';
import { contractRoute } from './contract-route';

export interface Readiness {
  readonly ok: boolean;
  readonly reason?: string;
}

async function relayHealth(relay: OutboxRelay | undefined): Promise<RelayHealth> {
  if (!relay) return { status: 'disabled', lagSeconds: 0, unsent: 0, backingOff: 0, rejected: 0, lastSentAt: null };
  const state = await relay.state();
  const stuck = state.lagSeconds >= API_LIMITS.relayStuckAfterSeconds;
  return { status: !relay.active ? 'disabled' : stuck ? 'stuck' : 'ok', ...state };
}

export interface HealthOptions {
  readonly readiness: () => Promise<Readiness>;
  readonly relay?: OutboxRelay;
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, { readiness, relay }) => {
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
  contractRoute(app, 'relayHealth', () => relayHealth(relay), { logLevel: 'warn' });
};
