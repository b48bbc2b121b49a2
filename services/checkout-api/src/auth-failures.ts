/**
 * Repeated authorisation failures, reported to the audit account (ADR 28): every 401 and 403 the
 * service answers is counted per principal in a fixed window; when a principal's failures reach
 * the threshold, one `Authorization Failures Repeated` compliance event is sent (once per window).
 * A 403 names the signed-in customer (the token's sub); a 401 has no trusted identity, so the
 * client is named by the SHA-256 of its address, never the address itself.
 */
import { createHash } from 'node:crypto';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  COMPLIANCE_DETAIL_TYPES,
  COMPLIANCE_ID_PATTERN,
  COMPLIANCE_SCHEMA_VERSION,
  complianceEntry,
} from '@securecart/contracts/compliance';
import type { AuthorizationFailuresDetail, AuthPrincipal } from '@securecart/contracts/compliance';

export interface AuthFailureSettings {
  /** Failures of one principal within a window that make a report. */
  readonly threshold: number;
  readonly windowSeconds: number;
  /** Principals tracked at once; the oldest windows are dropped beyond it (memory stays bounded). */
  readonly maxPrincipals: number;
}

export const AUTH_FAILURE_DEFAULTS: AuthFailureSettings = { threshold: 20, windowSeconds: 60, maxPrincipals: 10_000 };

interface Window {
  readonly startedMs: number;
  unauthorized: number;
  forbidden: number;
  reported: boolean;
}

/** The principal of a failed request: the customer for a 403 with a verified sub, else the client's hashed address. */
export function principalOf(status: 401 | 403, customerId: string, clientAddress: string): AuthPrincipal {
  if (status === 403 && COMPLIANCE_ID_PATTERN.test(customerId)) return { kind: 'customer', customerId };
  return { kind: 'client', clientHash: createHash('sha256').update(clientAddress).digest('hex') };
}

export class AuthFailureMonitor {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly report: (detail: AuthorizationFailuresDetail) => Promise<void>,
    private readonly settings: AuthFailureSettings = AUTH_FAILURE_DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one 401 or 403; resolves once a report this failure triggered was handed on (never rejects). */
  async record(status: 401 | 403, principal: AuthPrincipal): Promise<void> {
    const key = principal.kind === 'customer' ? `c:${principal.customerId}` : `h:${principal.clientHash}`;
    const nowMs = this.now();
    let w = this.windows.get(key);
    if (!w || nowMs - w.startedMs >= this.settings.windowSeconds * 1000) {
      this.windows.delete(key);
      w = { startedMs: nowMs, unauthorized: 0, forbidden: 0, reported: false };
      this.windows.set(key, w);
      // Map keeps insertion order: the first keys are the oldest windows.
      while (this.windows.size > this.settings.maxPrincipals) this.windows.delete(this.windows.keys().next().value!);
    }
    if (status === 401) w.unauthorized += 1;
    else w.forbidden += 1;
    if (w.reported || w.unauthorized + w.forbidden < this.settings.threshold) return;
    w.reported = true;
    try {
      await this.report({
        schemaVersion: COMPLIANCE_SCHEMA_VERSION,
        principal,
        unauthorized: w.unauthorized,
        forbidden: w.forbidden,
        windowSeconds: this.settings.windowSeconds,
        threshold: this.settings.threshold,
        occurredAt: new Date(nowMs).toISOString(),
      });
    } catch {
      // The caller's sink logs and counts; a report never fails a response.
    }
  }
}

/** A sink that puts the report on the SecureCart bus (the forwarding rule takes it to the audit account). */
export function eventBridgeReporter(
  client: EventBridgeClient,
  eventBusName: string,
  onError: (error: unknown) => void,
): (detail: AuthorizationFailuresDetail) => Promise<void> {
  return async (detail) => {
    try {
      const entry = complianceEntry(eventBusName, COMPLIANCE_DETAIL_TYPES.authorizationFailuresRepeated, detail);
      const out = await client.send(new PutEventsCommand({ Entries: [entry] }));
      if (out.FailedEntryCount) throw new Error(`PutEvents refused the entry (${out.Entries?.[0]?.ErrorCode ?? '?'})`);
    } catch (error) {
      onError(error);
    }
  };
}
