/**
 * Counts every 401 and 403 the service answers (AuthFailureMonitor, ADR 28), after the response is
 * sent: the request's customer for a 403, the client's hashed address for a 401.
 */
import type { AuthFailureMonitor } from '../auth-failures';
import { principalOf } from '../auth-failures';
import { rootPlugin } from './root-plugin';

export const authFailures = rootPlugin<{ readonly monitor: AuthFailureMonitor }>(async (app, { monitor }) => {
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    if (status !== 401 && status !== 403) return;
    await monitor.record(status, principalOf(status, request.customerId ?? '', request.ip));
  });
});
