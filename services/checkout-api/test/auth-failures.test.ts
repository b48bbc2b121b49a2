/**
 * Repeated authorisation failures (ADR 28): counted per principal in a fixed window, reported once
 * per window when they reach the threshold, as a compliance event with ids only (a customer id, or
 * the SHA-256 of the client's address, never the address).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { COMPLIANCE_SOURCE, complianceProblems } from '@securecart/contracts/compliance';
import type { AuthorizationFailuresDetail } from '@securecart/contracts/compliance';
import { AuthFailureMonitor, eventBridgeReporter, principalOf } from '../src/auth-failures';

const settings = { threshold: 3, windowSeconds: 60, maxPrincipals: 100 };

describe('AuthFailureMonitor', () => {
  test('reports once when a principal reaches the threshold in a window, again in the next window', async () => {
    let now = 0;
    const reports: AuthorizationFailuresDetail[] = [];
    const monitor = new AuthFailureMonitor(
      async (d) => void reports.push(d),
      settings,
      () => now,
    );
    const client = principalOf(401, '', '203.0.113.7');
    await monitor.record(401, client);
    await monitor.record(401, client);
    expect(reports).toEqual([]);
    await monitor.record(401, client);
    await monitor.record(401, client); // same window: no second report
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      principal: client,
      unauthorized: 3,
      forbidden: 0,
      threshold: 3,
      windowSeconds: 60,
    });
    now = 60_000;
    for (let i = 0; i < 3; i++) await monitor.record(401, client);
    expect(reports).toHaveLength(2);
  });

  test('principals are counted apart; a 403 names the customer, a 401 the hashed address', async () => {
    const reports: AuthorizationFailuresDetail[] = [];
    const monitor = new AuthFailureMonitor(
      async (d) => void reports.push(d),
      settings,
      () => 0,
    );
    const customer = principalOf(403, 'user-1', '198.51.100.1');
    expect(customer).toEqual({ kind: 'customer', customerId: 'user-1' });
    await monitor.record(403, customer);
    await monitor.record(401, principalOf(401, '', '198.51.100.1'));
    await monitor.record(403, customer);
    expect(reports).toEqual([]);
    await monitor.record(403, customer);
    expect(reports.map((r) => r.principal)).toEqual([customer]);
  });

  test('a failing sink never fails the request path', async () => {
    const monitor = new AuthFailureMonitor(() => Promise.reject(new Error('down')), { ...settings, threshold: 1 });
    await expect(monitor.record(401, principalOf(401, '', '192.0.2.1'))).resolves.toBeUndefined();
  });

  test('property: whatever the address and the customer id, the event is valid and holds neither raw address nor markup', async () => {
    const events = mockClient(EventBridgeClient);
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    const errors: unknown[] = [];
    const reporter = eventBridgeReporter(new EventBridgeClient({ region: 'us-east-1' }), 'bus', (e) => errors.push(e));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ minLength: 1, maxLength: 60 })),
        fc.string({ maxLength: 140 }),
        fc.constantFrom(401 as const, 403 as const),
        async (address, customerId, status) => {
          events.resetHistory();
          const monitor = new AuthFailureMonitor(reporter, { ...settings, threshold: 1 });
          await monitor.record(status, principalOf(status, customerId, address));
          const [entry] = events.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
          expect(entry.Source).toBe(COMPLIANCE_SOURCE);
          expect(complianceProblems(entry.DetailType!, JSON.parse(entry.Detail!))).toEqual([]);
          if (address.length >= 7) expect(entry.Detail).not.toContain(JSON.stringify(address).slice(1, -1));
        },
      ),
      { numRuns: 200, seed: 28 },
    );
    expect(errors).toEqual([]);
    events.restore();
  });

  test('memory stays bounded: beyond maxPrincipals the oldest windows are dropped', async () => {
    const monitor = new AuthFailureMonitor(
      async () => undefined,
      { ...settings, maxPrincipals: 2 },
      () => 0,
    );
    for (const a of ['a', 'b', 'c']) await monitor.record(401, principalOf(401, '', a));
    expect((monitor as unknown as { windows: Map<string, unknown> }).windows.size).toBe(2);
  });
});
